#!/bin/sh
# Install linkdesk for the current user (no root needed), from the unpacked folder this
# script sits in:
#
#   tar xzf linkdesk-VERSION-linux-ARCH.tar.gz && linkdesk/install.sh
#
# puts the program in ~/.local/lib/linkdesk, a `linkdesk` link in ~/.local/bin, and the
# menu entry, icons and AppStream metadata under ${XDG_DATA_HOME:-~/.local/share}.
# `install.sh --uninstall` removes exactly those; links, settings, logs and the key in
# the keyring stay (linkdesk's Help > About says where they are).
#
# LINKDESK_INSTALL_DIR and LINKDESK_BIN_DIR change the first two places.
set -eu

APP_ID=app.linkdesk.linkdesk
here=$(cd "$(dirname "$0")" && pwd)
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
app_dir=${LINKDESK_INSTALL_DIR:-$HOME/.local/lib/linkdesk}
bin_dir=${LINKDESK_BIN_DIR:-$HOME/.local/bin}
desktop_file=$data_home/applications/$APP_ID.desktop
metainfo_file=$data_home/metainfo/$APP_ID.metainfo.xml
icons=$data_home/icons/hicolor

refresh_caches() {
    # Menus and icon themes pick new files up by themselves on most desktops; these
    # only make it immediate where the tools exist.
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$data_home/applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$icons/index.theme" ]; then
        gtk-update-icon-cache -q -t -f "$icons" 2>/dev/null || true
    fi
}

is_linkdesk_folder() {
    [ -x "$1/linkdesk" ] && [ -d "$1/_internal" ]
}

uninstall() {
    if [ -L "$bin_dir/linkdesk" ]; then
        rm -f "$bin_dir/linkdesk"
    fi
    rm -f "$desktop_file" "$metainfo_file"
    find "$icons" -name "$APP_ID.png" -o -name "$APP_ID.svg" 2>/dev/null | while read -r icon; do
        rm -f "$icon"
    done
    # Only ever delete a folder that holds linkdesk, whatever LINKDESK_INSTALL_DIR says.
    if is_linkdesk_folder "$app_dir"; then
        rm -rf "$app_dir"
    fi
    refresh_caches
    echo "linkdesk is uninstalled; your links, settings and logs are kept."
}

if [ "${1:-}" = "--uninstall" ]; then
    uninstall
    exit 0
fi
if [ $# -gt 0 ]; then
    echo "usage: $0 [--uninstall]" >&2
    exit 2
fi
if ! is_linkdesk_folder "$here"; then
    echo "install.sh: run me from the unpacked linkdesk folder (it has linkdesk and _internal)." >&2
    exit 1
fi

if [ "$here" != "$app_dir" ]; then
    if [ -e "$app_dir" ] && ! is_linkdesk_folder "$app_dir"; then
        echo "install.sh: $app_dir exists and is not linkdesk; move it away or set LINKDESK_INSTALL_DIR." >&2
        exit 1
    fi
    # Copy next to the old version, then swap, so a failed copy leaves it working.
    mkdir -p "$(dirname "$app_dir")"
    rm -rf "$app_dir.new"
    cp -R "$here" "$app_dir.new"
    rm -rf "$app_dir"
    mv "$app_dir.new" "$app_dir"
fi

mkdir -p "$bin_dir" "$data_home/applications" "$data_home/metainfo" "$icons"
ln -sfn "$app_dir/linkdesk" "$bin_dir/linkdesk"

# The menu starts the program by its full path: the desktop session may not have
# ~/.local/bin on its PATH. Quoted, as the desktop entry spec asks for paths with spaces.
exec_path=$(printf '%s' "$app_dir/linkdesk" | sed -e 's/[&|\\]/\\&/g')
sed -e "s|^Exec=linkdesk|Exec=\"$exec_path\"|" \
    "$app_dir/share/applications/$APP_ID.desktop" >"$desktop_file.tmp"
mv "$desktop_file.tmp" "$desktop_file"
cp "$app_dir/share/metainfo/$APP_ID.metainfo.xml" "$metainfo_file"
cp -R "$app_dir/share/icons/hicolor/." "$icons/"
refresh_caches

echo "linkdesk is installed in $app_dir; open it from the applications menu."
case ":$PATH:" in
*":$bin_dir:"*) echo "From a terminal: linkdesk --help" ;;
*) echo "From a terminal: $bin_dir/linkdesk --help (add $bin_dir to PATH to type just linkdesk)" ;;
esac

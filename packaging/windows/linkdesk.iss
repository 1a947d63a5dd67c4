; Inno Setup script for linkdesk on Windows: a per-user installer (no administrator
; rights needed) made from the PyInstaller folder.
;
; Build on Windows, after `python packaging\build.py` has made dist\linkdesk and
; build\icons\linkdesk.ico:
;
;   iscc /DAppVersion=0.1.0 packaging\windows\linkdesk.iss
;
; which writes dist\linkdesk-0.1.0-windows-x64-setup.exe (build.py runs it when iscc is
; on PATH). NOT yet tested on Windows: this script is only checked on Linux for the
; files it names and its settings (tests/packaging/test_windows_installer.py).

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "linkdesk"

[Setup]
; The AppId identifies linkdesk to Windows across upgrades: never change it.
AppId={{AFEFF311-2739-4144-B778-275DB00F4F89}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=linkdesk developers
AppCopyright=All rights reserved, linkdesk developers
VersionInfoVersion={#AppVersion}
; Installs for the current user into %LOCALAPPDATA%\Programs by default; an
; administrator may choose all users in the first dialog.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 runs on Windows 10 1809 and later.
MinVersion=10.0.17763
SourceDir=..\..
OutputDir=dist
OutputBaseFilename={#AppName}-{#AppVersion}-windows-x64-setup
SetupIconFile=build\icons\linkdesk.ico
UninstallDisplayIcon={app}\linkdesk.exe
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; An upgrade closes a running linkdesk first (Restart Manager) instead of failing on
; files in use.
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "dist\linkdesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\linkdesk.exe"; Comment: "Payment links with a QR code"
Name: "{autoprograms}\{#AppName} demo"; Filename: "{app}\linkdesk.exe"; Parameters: "--demo"; Comment: "Try linkdesk without an account"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\linkdesk.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\linkdesk.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; Links, settings, logs and the key in Credential Manager are the user's: the
; uninstaller leaves them.

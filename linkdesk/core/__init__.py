"""Plain-Python heart of linkdesk: money, links, errors, the API client, secrets; no Qt."""

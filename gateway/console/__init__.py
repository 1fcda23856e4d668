"""The operator console: aiohttp pages and their JSON twins, served in the node's own process.

It reads through the store and will act through the node. Each concern is one module: `access`
(roles as route-table entries), `middlewares` (security headers, sessions, CSRF), `auth` (login,
logout, language), `i18n` (the message catalogues), `pages` (templates and times), `messages_log`
(the message log and /api/messages), `health` (/healthz, /readyz), `app` (the routes, start, stop).
"""

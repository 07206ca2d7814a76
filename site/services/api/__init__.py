"""The org chart's JSON API: urls, base (auth, permissions, errors), one module
of views per resource (orgs and groups, charts, auth, uploads), serializers."""

"""The services app's HTML pages: dashboard (and status.json, /healthz),
org_chart, manage (staff), auth (login/logout); common holds what they share."""

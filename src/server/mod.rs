//! The HTTP API (`vibecheck serve`): routes, auth, limits, metrics, OpenAPI, the web page.

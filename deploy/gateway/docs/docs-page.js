// Swagger UI on the gateway's docs pages: /docs shows every API of the page's list (with the
// definition selector), /api/<service>/docs only that service's, as FastAPI's own page would.
"use strict";
(() => {
  const apis = JSON.parse(document.getElementById("shop-apis").textContent);
  const service = window.location.pathname.match(/^\/api\/([^/]+)\/docs$/);
  const common = { dom_id: "#swagger-ui", deepLinking: true };
  if (service === null) {
    window.ui = SwaggerUIBundle({
      ...common,
      urls: apis,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
    });
    return;
  }
  const api = apis.find((candidate) => candidate.name === service[1]);
  document.title = `Shop ${api.name} API`;
  window.ui = SwaggerUIBundle({
    ...common,
    url: api.url,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();

// Starts Swagger UI on the document named by the page (/openapi.json or /__mock/openapi.json).
// A file, not an inline script, so the page's Content-Security-Policy can forbid inline code.
// validatorUrl: null keeps Swagger UI from sending the document to an outside validator.
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    tryItOutEnabled: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();

/** The Swagger UI page, served from the swagger-ui-dist package's assets. */
export function swaggerPage(assetsPath: string, specUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>mmesh API</title>
  <link rel="stylesheet" href="${assetsPath}/swagger-ui.css" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${assetsPath}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: ${JSON.stringify(specUrl)}, dom_id: "#swagger-ui", persistAuthorization: true });
  </script>
</body>
</html>`;
}

def test_swagger_ui_loads_its_assets_locally(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn.jsdelivr.net" not in page.text and "unpkg.com" not in page.text
    assert "/static-offline-docs/swagger-ui-bundle.js" in page.text
    script = client.get("/static-offline-docs/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000


def test_openapi_schema_documents_predict(client):
    schema = client.get("/openapi.json").json()
    assert "/v1/predict" in schema["paths"]
    dice = schema["components"]["schemas"]["PredictResponse"]["properties"]["dice"]
    assert "Two empty masks give 1.0" in dice["description"]

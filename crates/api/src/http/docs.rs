//! `/openapi.json` and a self-contained `/docs` page that renders it (no CDN, works offline).

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{Html, IntoResponse};
use utoipa::OpenApi;

use crate::openapi::ApiDoc;

/// The OpenAPI 3.1 document.
pub async fn openapi_json() -> impl IntoResponse {
    static SPEC: OnceLock<String> = OnceLock::new();
    let body = SPEC
        .get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_default())
        .clone();
    ([(header::CONTENT_TYPE, "application/json")], body)
}

/// A reference page generated in the browser from `/openapi.json`.
pub async fn docs_page() -> Html<&'static str> {
    Html(DOCS_HTML)
}

const DOCS_HTML: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>IRISX API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header{background:#1d2330;color:#fff;padding:16px 32px}header h1{margin:0;font-size:20px}
main{max-width:980px;margin:0 auto;padding:16px 32px}
h2{border-bottom:1px solid #dde1e7;padding-bottom:4px;margin-top:32px;text-transform:capitalize}
details{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:8px 0}
summary{cursor:pointer;padding:8px 12px;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:64px;font-weight:700;text-transform:uppercase}
.get{color:#0a7d32}.post{color:#1457c2}.delete{color:#b3261e}.put,.patch{color:#8a5a00}
.body{padding:0 16px 12px}pre{background:#f3f5f8;padding:8px;overflow:auto;border-radius:4px}
.lock{color:#8a5a00;font-size:12px;margin-left:8px}
</style></head><body>
<header><h1>IRISX API reference</h1><div id="desc"></div></header>
<main id="main">Loading <a href="/openapi.json">/openapi.json</a>…</main>
<script>
function resolve(spec, s){ if(s && s.$ref){ return spec.components.schemas[s.$ref.split('/').pop()]; } return s; }
function example(spec, s, depth){
  s = resolve(spec, s) || {}; if(depth > 4) return null;
  if(s.oneOf) return example(spec, s.oneOf[0], depth+1);
  let t = Array.isArray(s.type) ? s.type.find(x => x !== 'null') : s.type;
  if(t === 'object' || s.properties){ const o = {}; for(const [k,v] of Object.entries(s.properties||{})) o[k] = example(spec, v, depth+1); return o; }
  if(t === 'array') return [example(spec, s.items, depth+1)];
  if(s.enum) return s.enum[0];
  if(t === 'integer' || t === 'number') return 0;
  if(t === 'boolean') return false;
  return s.format || 'string';
}
fetch('/openapi.json').then(r => r.json()).then(spec => {
  document.getElementById('desc').textContent = spec.info.description || '';
  const byTag = {};
  for(const [path, ops] of Object.entries(spec.paths)) for(const [method, op] of Object.entries(ops)) {
    (byTag[(op.tags||['other'])[0]] ||= []).push({path, method, op});
  }
  const main = document.getElementById('main'); main.textContent = '';
  for(const [tag, list] of Object.entries(byTag)) {
    const h = document.createElement('h2'); h.textContent = tag; main.appendChild(h);
    for(const {path, method, op} of list) {
      const d = document.createElement('details');
      const s = document.createElement('summary');
      s.innerHTML = `<span class="m ${method}">${method}</span> ${path}` + (op.security ? '<span class="lock">🔒 bearer</span>' : '');
      d.appendChild(s);
      const b = document.createElement('div'); b.className = 'body';
      let html = `<p>${(op.summary||'') + ' ' + (op.description||'')}</p>`;
      const body = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
      if(body) html += `<h4>Request body</h4><pre>${JSON.stringify(example(spec, body.schema, 0), null, 2)}</pre>`;
      if(op.parameters) html += '<h4>Parameters</h4><ul>' + op.parameters.map(p => `<li><code>${p.name}</code> (${p.in}) ${p.description||''}</li>`).join('') + '</ul>';
      html += '<h4>Responses</h4><ul>' + Object.entries(op.responses||{}).map(([code, r]) => `<li><b>${code}</b> ${r.description||''}</li>`).join('') + '</ul>';
      b.innerHTML = html; d.appendChild(b); main.appendChild(d);
    }
  }
}).catch(e => { document.getElementById('main').textContent = 'Could not load /openapi.json: ' + e; });
</script></body></html>
"#;

// Requests to this service only (relative URLs; the page's CSP forbids any other host), with upload progress.

let apiKey = null; // kept in this module's memory: never in storage, gone when the tab closes

export function setApiKey(key) {
  apiKey = key || null;
}

// The service's 4xx/5xx JSON names the problem in error.message; anything else is described by its status.
export function errorText(status, body) {
  try {
    const parsed = JSON.parse(body);
    const message = parsed.error?.message ?? parsed.detail;
    if (message) return typeof message === "string" ? message : JSON.stringify(message);
  } catch {
    // not JSON: fall through
  }
  return status ? `the service answered HTTP ${status}` : "the service could not be reached";
}

export class ServiceError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// POST a FormData; onUpload(fraction) while the body is sent, onWaiting() once it is all sent.
export function post(path, form, { responseType = "json", onUpload, onWaiting } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.responseType = responseType === "json" ? "text" : responseType;
    if (apiKey) xhr.setRequestHeader("X-API-Key", apiKey);
    xhr.upload.onprogress = (event) => event.lengthComputable && onUpload?.(event.loaded / event.total);
    xhr.upload.onload = () => onWaiting?.();
    xhr.onerror = () => reject(new ServiceError(0, errorText(0, "")));
    xhr.onload = async () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        if (responseType === "json") resolve(JSON.parse(xhr.responseText));
        else resolve({ body: xhr.response, header: (name) => xhr.getResponseHeader(name) });
        return;
      }
      const text = responseType === "json" ? xhr.responseText : await new Blob([xhr.response]).text();
      reject(new ServiceError(xhr.status, errorText(xhr.status, text)));
    };
    xhr.send(form);
  });
}

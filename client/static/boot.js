// Loads the wasm client. Kept in its own file so the Content-Security-Policy can forbid
// inline scripts.
import init from '/pkg/client.js';
init();

// Loads the wasm client. Kept in its own file so the Content-Security-Policy can forbid
// inline scripts.
//
// On an invite link's page the server has already written the join form
// (server/src/http/invite_page.rs), and the person may send it before the app has
// loaded: hold the submission (mark the form, show that it is under way), and the app
// joins with it when it takes the form over (client/src/handoff.rs).
const form = document.getElementById('invite-form');
if (form) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    form.dataset.submitted = 'true';
    const button = form.querySelector('button[type=submit]');
    if (button && form.dataset.busyLabel) {
      button.textContent = form.dataset.busyLabel;
      button.setAttribute('aria-busy', 'true');
    }
  });
}
// A dynamic import, so that the listener above is in place before client.js arrives.
import('/pkg/client.js').then((client) => client.default());

// Asking before what cannot be undone: a native modal <dialog>, named by its heading and
// described by its message, with "Cancel" focused so that Enter or Esc changes nothing.

import { h } from "./dom.js";

let dialogs = 0;

/**
 * Ask in a modal dialog; resolves true when the person presses `confirm`, false on Cancel or
 * Esc. `describe()` gives the message, and is asked again every second while the dialog is
 * open, so a time left in it keeps counting down.
 */
export function confirmFirst({ title, describe, confirm }) {
  const id = `confirm-${++dialogs}`;
  const message = h("p", { id: `${id}-text` }, describe());
  const cancel = h("button", { type: "submit", value: "cancel", autofocus: true }, "Cancel");
  const dialog = h(
    "dialog",
    { class: "confirm", "aria-labelledby": `${id}-title`, "aria-describedby": `${id}-text` },
    h("h2", { id: `${id}-title` }, title),
    message,
    h(
      "form",
      { method: "dialog", class: "actions" },
      cancel,
      h("button", { type: "submit", value: "confirm", class: "danger" }, confirm),
    ),
  );
  document.body.append(dialog);
  const ticking = setInterval(() => {
    const text = describe();
    if (message.textContent !== text) message.textContent = text;
  }, 1000);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      clearInterval(ticking);
      dialog.remove();
      resolve(dialog.returnValue === "confirm");
    });
    dialog.showModal();
    cancel.focus();
  });
}

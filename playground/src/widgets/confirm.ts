/** A modal confirmation (`<dialog>`): resolves true when the person confirms, false on Cancel or Escape. */
import { h } from "../dom.ts";

export function confirmDialog(title: string, body: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-labelledby": "confirm-title" },
      h("h2", { id: "confirm-title" }, title),
      h("p", {}, body),
      h(
        "form",
        { method: "dialog" },
        h("button", { value: "cancel", autofocus: true }, "Cancel"),
        " ",
        h("button", { value: "confirm", class: "danger", "data-confirm": "" }, confirmLabel),
      ),
    );
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "confirm");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

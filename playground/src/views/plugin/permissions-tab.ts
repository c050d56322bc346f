/** A plugin's Permissions: a checkbox per permission it asks for; checked is granted, a change applies from its next host call. */
import type { PluginInfo } from "@threadspace/core";
import type { App } from "../../app.ts";
import { h, replace } from "../../dom.ts";
import { emptyState } from "../../widgets/empty-state.ts";
import type { Page } from "../page.ts";

type PermissionName = PluginInfo["permissions"][number];

function permissionBox(app: App, info: PluginInfo, permission: PermissionName): HTMLElement {
  const id = `perm-${info.name}-${permission.replace(/[^a-z0-9]/g, "-")}`;
  const toggle = (event: Event): void => {
    const checked = (event.currentTarget as HTMLInputElement).checked;
    void app.run(`${checked ? "Granting" : "Revoking"} ${permission} ${checked ? "to" : "from"} ${info.name}`, async () => {
      if (checked) await app.engine.permissions.grant(info.name, [permission]);
      else await app.engine.permissions.revoke(info.name, [permission]);
      return `${info.name}: ${permission} ${checked ? "granted" : "revoked"} (applies from the next host call).`;
    });
  };
  return h("li", {}, h("input", { type: "checkbox", id, checked: info.granted.includes(permission), onchange: toggle }), " ", h("label", { for: id }, permission));
}

export function permissionsTab(app: App, name: string): Page {
  const element = h("div", { class: "permissions" });
  const update = (): void => {
    const info = app.info(name);
    if (info === undefined) return;
    const asked = info.permissions;
    replace(
      element,
      asked.length === 0
        ? emptyState("It asks for no permission.", "It cannot read or write anything of the host's: nothing to grant.")
        : h(
            "fieldset",
            {},
            h("legend", {}, `${info.granted.length} of ${asked.length} granted`),
            h("ul", {}, ...asked.map((permission) => permissionBox(app, info, permission))),
            h("p", { class: "hint" }, "Unchecking revokes at once: the plugin's next host call needing it answers permission_denied. Grants are kept across reloads."),
          ),
    );
  };
  update();
  return { element, update };
}

import { ThreadspaceError } from "@threadspace/errors";
import { parseDependency, satisfiesVersion, type PluginManifest } from "@threadspace/manifest";

/** What the dependency checks need to know of an installed plugin. */
export interface InstalledPlugin {
  readonly version: string;
  readonly loaded: boolean;
  readonly dependencies: readonly string[];
}

/** Looks an installed plugin up by name. */
export type InstalledLookup = (name: string) => InstalledPlugin | undefined;

const arrow = (chain: readonly string[]): string => chain.join(" → ");

/**
 * Checks that every dependency of `manifest` is installed, loaded and in range.
 * `chain` is the path that led here (for `a → b → c` messages). Throws `dependency_missing`/`dependency_version`.
 */
export function checkDependencies(manifest: PluginManifest, installed: InstalledLookup, chain: readonly string[] = [manifest.name]): void {
  for (const spec of manifest.dependencies) {
    const { name, range } = parseDependency(spec);
    const found = installed(name);
    const path = arrow([...chain, spec]);
    if (found === undefined) {
      throw new ThreadspaceError("dependency_missing", `needs ${spec}, which is not installed (${path}). Install ${name} first, or install both with installAll().`, { plugin: manifest.name });
    }
    if (!satisfiesVersion(found.version, range)) {
      throw new ThreadspaceError("dependency_version", `needs ${spec} but ${name}@${found.version} is installed (${path}). Install a version of ${name} in ${range}, or widen the range in plugin.json.`, { plugin: manifest.name });
    }
    if (!found.loaded) {
      throw new ThreadspaceError("dependency_missing", `needs ${spec}, which is installed but not loaded (${path}). Load ${name} first.`, { plugin: manifest.name });
    }
  }
}

/**
 * Orders a batch of manifests so that every plugin comes after its dependencies, which may be
 * in the batch or already installed. Throws `dependency_cycle` naming the whole cycle
 * (`a → b → a`), or `dependency_missing`/`dependency_version` naming the chain that needs it.
 */
export function planInstallOrder<T extends { readonly manifest: PluginManifest }>(batch: readonly T[], installed: InstalledLookup): T[] {
  const byName = new Map<string, T>();
  for (const item of batch) {
    if (byName.has(item.manifest.name)) {
      throw new ThreadspaceError("already_installed", `is in the batch twice. Install each plugin once.`, { plugin: item.manifest.name });
    }
    byName.set(item.manifest.name, item);
  }
  const order: T[] = [];
  const done = new Set<string>();
  const visiting: string[] = [];

  const visit = (item: T): void => {
    const { name } = item.manifest;
    if (done.has(name)) return;
    const at = visiting.indexOf(name);
    if (at !== -1) {
      const cycle = arrow([...visiting.slice(at), name]);
      throw new ThreadspaceError("dependency_cycle", `dependencies form a cycle: ${cycle}. Remove one of these dependencies.`, { plugin: name });
    }
    visiting.push(name);
    const external: string[] = [];
    for (const spec of item.manifest.dependencies) {
      const dep = byName.get(parseDependency(spec).name);
      if (dep === undefined) external.push(spec);
      else {
        const { range } = parseDependency(spec);
        if (!satisfiesVersion(dep.manifest.version, range)) {
          throw new ThreadspaceError("dependency_version", `needs ${spec} but the batch has ${dep.manifest.name}@${dep.manifest.version} (${arrow([...visiting, spec])}).`, { plugin: name });
        }
        visit(dep);
      }
    }
    checkDependencies({ ...item.manifest, dependencies: external }, installed, visiting);
    visiting.pop();
    done.add(name);
    order.push(item);
  };
  for (const item of batch) visit(item);
  return order;
}

/**
 * Every plugin that depends on `name`, directly or not (only loaded ones unless `includeUnloaded`),
 * ordered so that each comes before what it depends on (the order to unload them in).
 */
export function dependentsOf(name: string, plugins: ReadonlyMap<string, InstalledPlugin>, includeUnloaded = false): string[] {
  const result: string[] = [];
  const seen = new Set<string>([name]);
  const visit = (target: string): void => {
    for (const [other, info] of plugins) {
      if (seen.has(other) || (!info.loaded && !includeUnloaded)) continue;
      if (info.dependencies.some((spec) => parseDependency(spec).name === target)) {
        seen.add(other);
        visit(other);
        result.push(other);
      }
    }
  };
  visit(name);
  return result;
}

/**
 * Every plugin in `plugins` ordered so that each comes before the plugins it depends on: the
 * order to stop them all in (`engine.close()`). One pass over the plugins and their
 * dependencies, so closing N plugins costs O(N) rather than one {@link dependentsOf} per plugin.
 */
export function stopOrder(plugins: ReadonlyMap<string, { readonly dependencies: readonly string[] }>): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  // Dependencies first (a post-order walk with a stack of its own: a long chain must not
  // overflow the call stack), then reversed: dependents before what they depend on.
  for (const root of plugins.keys()) {
    if (seen.has(root)) continue;
    seen.add(root);
    const stack: Array<{ name: string; next: number }> = [{ name: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { name: string; next: number };
      const dependencies = plugins.get(top.name)?.dependencies ?? [];
      if (top.next < dependencies.length) {
        const dependency = parseDependency(dependencies[top.next++] as string).name;
        if (!seen.has(dependency) && plugins.has(dependency)) {
          seen.add(dependency);
          stack.push({ name: dependency, next: 0 });
        }
        continue;
      }
      stack.pop();
      order.push(top.name);
    }
  }
  return order.reverse();
}

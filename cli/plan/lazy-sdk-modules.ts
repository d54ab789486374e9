import Module from "node:module";
import * as path from "node:path";

/*
 * @pulumi/pulumi loads, as it starts, modules used only to serialize closures (the TypeScript
 * compiler, about 9 MB, and npm's arborist with its dependencies, about 1.5 MB), which a plan never
 * does: about a third of the SDK's load time. Required from the SDK, each of these gets a stand-in
 * that loads the real module on first use, so behaviour is the same and only the cost moves.
 * The stand-in says `__esModule`, so TypeScript's import helpers hand it on as it is instead of
 * enumerating its keys (which would load it); `default` then answers what those helpers would
 * have given. Installed before the SDK is first required (the bin imports this module first).
 */
const LAZY = new Set(["typescript", "@npmcli/arborist", "normalize-package-data"]);

type Load = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
const loader = Module as unknown as { _load: Load };
const load = loader._load;

loader._load = function (request, parent, isMain) {
  if (!LAZY.has(request) || !parent?.filename?.includes(`@pulumi${path.sep}pulumi`)) return load.call(this, request, parent, isMain);
  let real: Record<PropertyKey, unknown> | undefined;
  const target = () => (real ??= load.call(this, request, parent, isMain) as Record<PropertyKey, unknown>);
  return new Proxy(
    {},
    {
      get: (_t, key) => {
        if (key === "__esModule") return true;
        if (key === "default") return target().__esModule ? target().default : target();
        return Reflect.get(target(), key);
      },
      has: (_t, key) => key === "__esModule" || key === "default" || Reflect.has(target(), key),
    },
  );
};

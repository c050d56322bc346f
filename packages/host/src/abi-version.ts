/**
 * The version of the host ABI this package serves (docs/host-abi.md): the `extism:host/user`
 * functions, their request and reply shapes, the lifecycle exports. plugin.json's `engine` is a
 * semver range checked against it at install. A breaking change to the ABI bumps the major.
 */
export const HOST_ABI_VERSION = "1.0.0";

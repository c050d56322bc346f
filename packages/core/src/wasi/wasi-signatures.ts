/** A WASI preview 1 function's parameter types (`i` i32, `I` i64) and whether it returns an errno (i32). */
export interface WasiSignature {
  readonly params: string;
  readonly returns: boolean;
}

const sig = (params: string, returns = true): WasiSignature => ({ params, returns });

/** Every function of `wasi_snapshot_preview1`, by name (the preview 1 witx). */
export const WASI_SIGNATURES: Readonly<Record<string, WasiSignature>> = {
  args_get: sig("ii"),
  args_sizes_get: sig("ii"),
  environ_get: sig("ii"),
  environ_sizes_get: sig("ii"),
  clock_res_get: sig("ii"),
  clock_time_get: sig("iIi"),
  fd_advise: sig("iIIi"),
  fd_allocate: sig("iII"),
  fd_close: sig("i"),
  fd_datasync: sig("i"),
  fd_fdstat_get: sig("ii"),
  fd_fdstat_set_flags: sig("ii"),
  fd_fdstat_set_rights: sig("iII"),
  fd_filestat_get: sig("ii"),
  fd_filestat_set_size: sig("iI"),
  fd_filestat_set_times: sig("iIIi"),
  fd_pread: sig("iiiIi"),
  fd_prestat_get: sig("ii"),
  fd_prestat_dir_name: sig("iii"),
  fd_pwrite: sig("iiiIi"),
  fd_read: sig("iiii"),
  fd_readdir: sig("iiiIi"),
  fd_renumber: sig("ii"),
  fd_seek: sig("iIii"),
  fd_sync: sig("i"),
  fd_tell: sig("ii"),
  fd_write: sig("iiii"),
  path_create_directory: sig("iii"),
  path_filestat_get: sig("iiiii"),
  path_filestat_set_times: sig("iiiiIIi"),
  path_link: sig("iiiiiii"),
  path_open: sig("iiiiiIIii"),
  path_readlink: sig("iiiiii"),
  path_remove_directory: sig("iii"),
  path_rename: sig("iiiiii"),
  path_symlink: sig("iiiii"),
  path_unlink_file: sig("iii"),
  poll_oneoff: sig("iiii"),
  proc_exit: sig("i", false),
  proc_raise: sig("i"),
  sched_yield: sig(""),
  random_get: sig("ii"),
  sock_accept: sig("iii"),
  sock_recv: sig("iiiiii"),
  sock_send: sig("iiiii"),
  sock_shutdown: sig("ii"),
};

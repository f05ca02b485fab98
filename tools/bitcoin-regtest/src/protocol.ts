/** Messages between `startRegtest` and the node process, over the child's IPC channel. */
export type Request =
  | { readonly op: 'mine'; readonly blocks: number; readonly address?: string }
  | { readonly op: 'fund'; readonly address: string; readonly sats: number }

export type Command = Request & { readonly id: number }

export type Message =
  | { readonly type: 'ready'; readonly port: number; readonly height: number }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly message: string }

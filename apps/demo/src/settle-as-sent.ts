// Moved to @stack/channel-core (the `stack pay` CLI settles the same way); three-l2.ts still imports it from here.
export { settleAsSent } from '@stack/channel-core'

import type { SettlementPlugin } from '@stack/channel-core'
import { ethereumSettlement } from '@stack/channel-ethereum'
import { sqliteSettlement } from '@stack/channel-sqlite'
import { xrpSettlement } from '@stack/channel-xrp'
import { lightningSettlement } from './lightning-bitcoin.js'
import { trustedTransferSettlement } from './trusted-transfer.js'

/**
 * The settlement kinds a peer's `settlement.kind` may name: one plug-in each, exported by its
 * channel package (docs/ARCHITECTURE.md, "Adding a Layer 2"). Nothing else in the app knows a kind.
 */
export const SETTLEMENT_PLUGINS: readonly SettlementPlugin[] = [sqliteSettlement, ethereumSettlement, xrpSettlement, lightningSettlement, trustedTransferSettlement]

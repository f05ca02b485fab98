import type { SettlementPlugin } from '@stack/channel-core'
import { ethereumSettlement } from '@stack/channel-ethereum'
import { lightningSettlement } from '@stack/channel-lightning'
import { sqliteSettlement } from '@stack/channel-sqlite'
import { xrpSettlement } from '@stack/channel-xrp'
import { trustedTransferSettlement } from './trusted-transfer.js'

/**
 * The settlement kinds a peer's `settlement.kind` may name: one plug-in each, exported by its
 * channel package (docs/ARCHITECTURE.md, "Adding a Layer 2"). Nothing else in the app knows a kind.
 */
export const SETTLEMENT_PLUGINS: readonly SettlementPlugin[] = [sqliteSettlement, ethereumSettlement, xrpSettlement, lightningSettlement, trustedTransferSettlement]

// The few parts of bcoin 1.0.2 (no published types) that the node process uses.
declare module 'bcoin' {
  interface Hashable {
    hash(): Buffer
    txid(): string
  }
  export class Address {
    static fromString(address: string, network: string): Address
    toString(network: string): string
  }
  interface MTX {
    toTX(): Hashable
  }
  interface Wallet {
    receiveAddress(): Promise<Address>
    createTX(options: { outputs: Array<{ address: string; value: number }> }): Promise<MTX>
    sign(mtx: MTX): Promise<number>
  }
  interface Miner {
    createJob(tip: null, address: Address): Promise<{ mineAsync(): Promise<Hashable & { rhash(): string }> }>
  }
  export class FullNode {
    constructor(options: Record<string, unknown>)
    readonly chain: { readonly height: number; add(block: unknown): Promise<unknown> }
    /** Resolves with the missing inputs of an orphan, throws a VerifyError when it refuses the transaction. */
    readonly mempool: { addTX(tx: Hashable): Promise<unknown[] | null> }
    readonly miner: Miner
    readonly http: { address(): { port: number } }
    use(plugin: unknown): void
    require(name: 'walletdb'): { wdb: { readonly height: number; get(id: string): Promise<Wallet>; addTX(tx: Hashable): Promise<unknown> } }
    open(): Promise<void>
    connect(): Promise<void>
  }
  export const wallet: { plugin: unknown }
  const bcoin: { FullNode: typeof FullNode; Address: typeof Address; wallet: typeof wallet }
  export default bcoin
}

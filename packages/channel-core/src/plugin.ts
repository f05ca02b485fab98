/**
 * The interledgerjs LedgerPluginInterface v2, as far as the bridge needs it: the shape every
 * published `ilp-plugin-*` module has. Structural, so no interledgerjs package is imported.
 */

export type PluginDataHandler = (data: Buffer) => Promise<Buffer>
export type PluginMoneyHandler = (amount: string) => Promise<void>

export interface PluginV2 {
  connect(options?: object): Promise<void>
  disconnect(): Promise<void>
  isConnected(): boolean
  sendData(data: Buffer): Promise<Buffer>
  /** Amount as a decimal string of a UInt64. */
  sendMoney(amount: string): Promise<void>
  registerDataHandler(handler: PluginDataHandler): void
  deregisterDataHandler(): void
  registerMoneyHandler(handler: PluginMoneyHandler): void
  deregisterMoneyHandler(): void
  on(event: 'connect' | 'disconnect', listener: () => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
}

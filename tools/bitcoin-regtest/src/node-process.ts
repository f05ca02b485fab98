// The regtest node, run by `startRegtest` as a child process with an IPC channel (fork).
// bcoin's native back ends are not built here (install scripts do not run), so the parent
// starts it with NODE_BACKEND=js, and the chain lives in memory (bdb is patched so that
// leveldown is only loaded for a disk database).
import bcoin from 'bcoin'
import type { Command, Message } from './protocol.js'

const apiKey = process.env.STACK_REGTEST_API_KEY ?? ''
const initialBlocks = Number(process.env.STACK_REGTEST_BLOCKS ?? '0')

const node = new bcoin.FullNode({
  network: 'regtest',
  memory: true,
  indexTX: true,
  workers: false,
  listen: false,
  httpHost: '127.0.0.1',
  httpPort: 0,
  // The faucet wallet's own HTTP API is not used; keep it on loopback, on a free port.
  walletHttpHost: '127.0.0.1',
  walletHttpPort: 0,
  apiKey,
  logLevel: process.env.STACK_REGTEST_LOG_LEVEL ?? 'error'
})
node.use(bcoin.wallet.plugin)

function send(message: Message): void {
  process.send?.(message)
}

async function main(): Promise<void> {
  await node.open()
  await node.connect()
  const wallets = node.require('walletdb').wdb
  const faucet = await wallets.get('primary')
  const faucetAddress = (await faucet.receiveAddress()).toString('regtest')

  async function mine(blocks: number, address = faucetAddress): Promise<string[]> {
    const payee = bcoin.Address.fromString(address, 'regtest')
    const hashes: string[] = []
    for (let i = 0; i < blocks; i++) {
      const job = await node.miner.createJob(null, payee)
      const block = await job.mineAsync()
      await node.chain.add(block)
      hashes.push(block.rhash())
    }
    // The wallet follows the chain by events, after chain.add resolves: wait until it has
    // seen every block, or the faucet's next payment misses their coins.
    while (wallets.height < node.chain.height) await new Promise((resolve) => setTimeout(resolve, 5))
    return hashes
  }

  // The wallet's own send() relays without waiting and swallows a refusal; this builds and
  // signs with the wallet, hands the transaction to the mempool itself (which throws when it
  // refuses it), and only then records it in the wallet as spending its coins.
  async function fund(address: string, sats: number): Promise<string> {
    const mtx = await faucet.createTX({ outputs: [{ address, value: sats }] })
    await faucet.sign(mtx)
    const tx = mtx.toTX()
    const missing = await node.mempool.addTX(tx)
    if (missing) throw new Error(`the node's mempool holds faucet transaction ${tx.txid()} as an orphan`)
    await wallets.addTX(tx)
    return tx.txid()
  }

  // One command at a time: two faucet payments at once could pick the same coins.
  let queue: Promise<unknown> = Promise.resolve()

  // Segwit (BIP 9 on bcoin's regtest) activates after block 431 and CLTV at 1351.
  await mine(initialBlocks)

  process.on('message', (command: Command) => {
    const run = queue.then((): Promise<unknown> => (command.op === 'mine' ? mine(command.blocks, command.address) : fund(command.address, command.sats)))
    queue = run.catch(() => undefined)
    run.then(
      (value) => send({ type: 'result', id: command.id, value }),
      (error: unknown) => send({ type: 'error', id: command.id, message: error instanceof Error ? error.message : String(error) })
    )
  })
  // The chain is in memory: there is nothing to flush, and closing while the wallet still
  // follows blocks only logs errors. When the parent goes away (killed, crashed), so does this.
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
  send({ type: 'ready', port: node.http.address().port, height: node.chain.height })
}

main().catch((error: unknown) => {
  process.stderr.write(`regtest node failed to start: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exit(1)
})

import { describe, expect, it } from 'vitest'
import { channelTests, linkTests } from '../src/compliance/index.js'
import {
  channelFromPlugin,
  createMemoryLinkPair,
  HandlerAlreadyRegisteredError,
  linkFromPlugin,
  NoChannelError,
  pluginFromLink
} from '../src/index.js'
import { memoryChannelPair } from './fixtures/memory-channel.js'

// Through the bridge twice: Link → plugin → Link must still be a Link.
describe('linkFromPlugin(pluginFromLink(link))', () => {
  linkTests({
    concurrency: 500,
    async setup() {
      const [a, b] = createMemoryLinkPair()
      const pa = linkFromPlugin(pluginFromLink(a))
      const pb = linkFromPlugin(pluginFromLink(b))
      await pa.connect()
      await pb.connect()
      return { a: pa, b: pb }
    },
    async teardown({ a, b }) {
      await a.close()
      await b.close()
    }
  })
})

describe('channelFromPlugin(pluginFromLink(link, channel))', () => {
  channelTests({
    async setup() {
      const [la, lb] = createMemoryLinkPair()
      const [ca, cb] = memoryChannelPair()
      const a = channelFromPlugin(pluginFromLink(la, ca))
      const b = channelFromPlugin(pluginFromLink(lb, cb))
      return { a, b }
    },
    async teardown() {}
  })
})

describe('pluginFromLink', () => {
  it('emits connect and disconnect as the link changes state', async () => {
    const [a] = createMemoryLinkPair()
    const plugin = pluginFromLink(a)
    const events: string[] = []
    plugin.on('connect', () => events.push('connect'))
    plugin.on('disconnect', () => events.push('disconnect'))
    expect(plugin.isConnected()).toBe(false)
    await plugin.connect()
    expect(plugin.isConnected()).toBe(true)
    await plugin.disconnect()
    expect(events).toEqual(['connect', 'disconnect'])
  })

  it('refuses a second data or money handler, as plugins do', () => {
    const [a] = createMemoryLinkPair()
    const plugin = pluginFromLink(a)
    plugin.registerDataHandler(async (data) => data)
    expect(() => plugin.registerDataHandler(async (data) => data)).toThrow(HandlerAlreadyRegisteredError)
    plugin.deregisterDataHandler()
    plugin.registerDataHandler(async (data) => data)
    plugin.registerMoneyHandler(async () => undefined)
    expect(() => plugin.registerMoneyHandler(async () => undefined)).toThrow(HandlerAlreadyRegisteredError)
  })

  it('hands plugin code Buffers and returns its Buffers as bytes', async () => {
    const [a, b] = createMemoryLinkPair()
    const pb = pluginFromLink(b)
    let wasBuffer = false
    pb.registerDataHandler(async (data) => {
      wasBuffer = Buffer.isBuffer(data)
      return Buffer.from(`got ${data.toString('utf8')}`)
    })
    await a.connect()
    await pb.connect()
    const reply = await a.request(new TextEncoder().encode('x'))
    expect(new TextDecoder().decode(reply)).toBe('got x')
    expect(wasBuffer).toBe(true)
  })

  it('rejects sendMoney with NoChannelError when made from a link alone', async () => {
    const [a] = createMemoryLinkPair()
    await expect(pluginFromLink(a).sendMoney('1')).rejects.toBeInstanceOf(NoChannelError)
  })

  it('rejects a sendMoney amount that is not a UInt64 string', async () => {
    const [a] = createMemoryLinkPair()
    const [ca] = memoryChannelPair()
    const plugin = pluginFromLink(a, ca)
    await expect(plugin.sendMoney('-1')).rejects.toThrow()
    await expect(plugin.sendMoney('18446744073709551616')).rejects.toThrow()
    await expect(plugin.sendMoney('1e3')).rejects.toThrow()
  })
})

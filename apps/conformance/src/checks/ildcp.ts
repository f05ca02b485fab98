import { decodeIldcpInfo, ildcpRequest, IlpPacketType, isValidAddress } from '@stack/ilp-core'
import { fail, inGroup, notApplicable, pass, type Check } from '../check.js'
import type { Session } from '../session.js'

export const ildcpChecks: Check<Session>[] = inGroup('ILDCP', [
  {
    id: 'ildcp.child-config',
    source: 'RFC 0031 §Procedure, §Packet; RFC 0034 §Link Relations',
    level: 'MUST',
    title: 'a child account is answered an ILDCP Fulfill with a valid address, asset code and scale',
    sends: 'one ILDCP request (0-amount Prepare to peer.config)',
    async run(session, evidence) {
      if (session.target.relation !== 'child') return notApplicable('the account is a peer (--relation peer): ILDCP is for children')
      const reply = await (await session.primary()).send(ildcpRequest(new Date(Date.now() + 30_000)), evidence)
      if (reply instanceof Error) return fail(`no reply: ${reply.message}`)
      if (reply.type !== IlpPacketType.Fulfill) return fail(`Reject ${reply.code}: ${reply.message}`)
      let info
      try {
        info = decodeIldcpInfo(reply.data)
      } catch (error) {
        return fail(`Fulfill data is not ILDCP: ${(error as Error).message}`)
      }
      evidence.received.push(`ILDCP clientAddress=${info.clientAddress} assetCode=${info.assetCode} assetScale=${info.assetScale}`)
      if (!isValidAddress(info.clientAddress)) return fail(`clientAddress ${JSON.stringify(info.clientAddress)} is not an ILP address`)
      if (info.assetCode === '') return fail('empty assetCode')
      return pass(`${info.clientAddress}, ${info.assetCode} scale ${info.assetScale}`)
    },
  },
])

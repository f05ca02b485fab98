export const MAIN_HELP = `stack — pay and receive over Interledger

Usage:
  stack pay <pointer> <amount> --via <btp+ws url> [options]
  stack query <pointer> [--insecure] [--show-secret] [--json]
  stack receive --via <btp+ws url> [--port <n>] [--host <ip>] [--receive-max <amount>] [--json]
  stack admin status|peers|routes|balances|rates|settle <peer>|adjust <peer> <amount> --reason <text>
  stack <command> --help
  stack --version

<pointer> is a payment pointer ($wallet.example/alice) or an SPSP URL (https://…;
http:// only with --insecure). <amount> is in the asset's units with decimals, e.g. 12.34.

Exit codes:
  0  done (payment complete, query answered, receiver stopped)
  1  payment failed or partial (the summary says what was delivered)
  2  usage error (bad command, flag, amount or pointer syntax)
  3  network or SPSP error (connector, SPSP host unreachable, HTTP error,
     wrong content type, no route to the receiver)
  4  a credit limit is used up at a connector (it answered T04): settle there,
     or have its operator raise the limit; the message names the connector
  5  stack admin: the admin API refused the token
  6  stack pay --ledger: settling with the connector over the ledger
     channel failed (no such account, funds, a refused claim: the message says)

--via defaults to $STACK_VIA: set your uplink once per shell.
`

export const PAY_HELP = `stack pay <pointer> <amount> --via <btp+ws url> [options]

Pays <amount> to <pointer> over STREAM, through the connector at --via.
By default <amount> is what you send, in your asset (the connector tells it by ILDCP).

Options:
  --via <url>          the uplink: btp+ws://user:token@host:port of your connector
                       (default: $STACK_VIA)
  --fixed-delivery     <amount> is what the receiver gets, in its asset
  --slippage <frac>    accepted loss against the probed rate (default 0.01 = 1%)
  --min-rate <rate>    refuse below this rate, receiver's asset per yours (e.g. 0.85)
  --insecure           allow an http:// SPSP endpoint (local networks, tests)
  --json               print one JSON object instead of the progress bar and summary
  -h, --help           this help

Settling with the connector as you pay (its peer entry for you has settlement.kind sqlite
on the same ledger file), so no credit limit stops a payment:
  --ledger <file>              the embedded ledger (ledger-sqlite) you and the connector share
  --connector-account <id>     the connector's account on it (its settlement.account)
  --account <id>               yours (default: the --via username)
  --claims <file>              your claim store: channel key and totals, kept for the next
                               payment (default: <ledger file>.<account>.claims)
  --deposit <amount>           deposit of the channel and of each top-up
                               (default: the most this payment may send)

Exit: 0 complete, 1 failed or partial, 2 usage error, 3 network/SPSP error,
4 a credit limit used up at a connector (T04), 6 settling over --ledger failed.
`

export const QUERY_HELP = `stack query <pointer> [options]

Queries the SPSP endpoint of <pointer> (RFC 0009) and prints what it answered.

Options:
  --insecure           allow an http:// SPSP endpoint
  --show-secret        print the shared secret (redacted by default)
  --json               print JSON
  -h, --help           this help

Exit: 0 answered, 2 usage error, 3 network/SPSP error.
`

export const RECEIVE_HELP = `stack receive --via <btp+ws url> [options]

Connects to the connector at --via, runs a STREAM server and an SPSP server on a local
port, prints the URL to pay, then prints payments as they arrive until interrupted.

Options:
  --via <url>             the uplink: btp+ws://user:token@host:port
                          (default: $STACK_VIA); redialed if the connector goes away
  --port <n>              SPSP port (default 0: any free port)
  --host <ip>             SPSP host (default 127.0.0.1)
  --receive-max <amount>  accept at most this per payment, in our asset
  --json                  print one JSON object per line (listening, payment)
  -h, --help              this help

Exit: 0 stopped by a signal, 2 usage error, 3 network error.
`

#!/usr/bin/env node
// The ledger-sqlite command: a committed launcher, so that installing links it before dist/ is built.
import '../dist/ledger-sqlite.js'

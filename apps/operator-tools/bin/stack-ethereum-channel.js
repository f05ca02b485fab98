#!/usr/bin/env node
// The stack-ethereum-channel command: a committed launcher, so that installing links it before dist/ is built.
import '../dist/ethereum-channel.js'

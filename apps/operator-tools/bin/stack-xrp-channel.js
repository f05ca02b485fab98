#!/usr/bin/env node
// The stack-xrp-channel command: a committed launcher, so that installing links it before dist/ is built.
import '../dist/xrp-channel.js'

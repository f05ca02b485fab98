#!/usr/bin/env node
// The stack-conformance command: a committed launcher, so that installing links it before dist/ is built.
import '../dist/main.js'

#!/usr/bin/env node
// The stack-demo command: a committed launcher, so that installing links it before dist/ is built.
import { main } from '../dist/main.js'

main()

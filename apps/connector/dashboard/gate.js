// The token gate both pages open through: a token from the address's fragment or typed into the
// form, the refusal page on a 401 (the token forgotten), the board once in. The form and the
// refusal page are made here, the same on both pages; `help` says whose token it is.
import { token, tokenFromFragment } from './api.js'
import { element } from './format.js'

const $ = (id) => document.getElementById(id)

export function show(view) {
  for (const id of ['login', 'refused', 'board']) $(id).hidden = id !== view
  if (view === 'login') $('token').focus()
  if (view === 'refused') $('retry').focus()
}

/** A 401: `stop` what follows the API, forget the token, show the refusal page. */
export function refuse(stop) {
  stop()
  token.clear()
  $('stream').textContent = 'token refused'
  show('refused')
}

function forms(help) {
  const login = element('form', undefined, 'panel')
  login.id = 'login'
  const input = element('input')
  Object.assign(input, { id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', required: true })
  const label = element('label', 'Token')
  label.htmlFor = 'token'
  login.append(element('h2', 'Token'), element('p', `${help} It is kept in this tab only (sessionStorage).`), label, input, element('button', 'Open the dashboard'))
  const refused = element('section', undefined, 'panel refused')
  refused.id = 'refused'
  refused.setAttribute('role', 'alert')
  const retry = element('button', 'Enter another token')
  Object.assign(retry, { id: 'retry', type: 'button' })
  refused.append(element('h2', 'Token refused'), element('p', 'The server answered 401: this token is missing or wrong. Nothing was shown or changed.'), retry)
  login.hidden = refused.hidden = true
  $('board').before(login, refused)
}

/**
 * Makes the form, then `open()` with the token at hand (the fragment's, or one kept); without
 * one, first asks `probe` (a GET of the API) with none: a server that wants no token (an admin
 * API on loopback without admin.token) opens at once, else the form asks for it.
 */
export async function gate(help, open, probe) {
  forms(help)
  $('login').addEventListener('submit', (event) => {
    event.preventDefault()
    token.set($('token').value)
    $('token').value = ''
    void open()
  })
  $('retry').addEventListener('click', () => show('login'))
  tokenFromFragment()
  if (token.get() === null && (await fetch(probe).then((res) => res.ok, () => false))) token.set('')
  if (token.get() === null) show('login')
  else void open()
}

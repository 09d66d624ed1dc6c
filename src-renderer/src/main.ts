// The stylesheet and the remembered theme first, so the first paint (and the chart colours read
// from the stylesheet) are in the right theme.
import './app.css'
import './state/theme.svelte'
import { mount } from 'svelte'
import App from './App.svelte'
import { createStores } from './state/stores'

const target = document.getElementById('app')
if (!target) throw new Error('#app element missing from index.html')

export default mount(App, { target, props: { stores: createStores() } })

// Packlab's page starts here. The engine and the workers start first (see
// engine.js); everything else belongs to the controller.
import { startEngine } from './engine.js';

const engine = startEngine();
const { App } = await import('./app.js');
new App(document.getElementById('app'), engine).start();

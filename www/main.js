// Packlab's page starts here; everything else belongs to the controller.
import { App } from './app.js';

new App(document.getElementById('app')).start();

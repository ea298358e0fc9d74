/** The dashboard's entry: mounts the app (app.ts) into the shell page served by worker/dashboard/routes.ts. */
import { h, render } from "preact";
import { App } from "./app";
import "./style.css";

render(h(App, {}), document.getElementById("app")!);

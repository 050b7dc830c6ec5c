const app = document.getElementById("app");
app.innerHTML = "";
const form = document.createElement("form");
form.innerHTML = '<h1>Skylapse</h1><label for="token">Operator token</label> <input id="token" name="token" type="password" autocomplete="current-password" required> <button type="submit">Sign in</button>';
app.append(form);

/// The console's Mustache templates, compiled into the binary (one file to deploy; no front-end build). `{{x}}`
/// escapes HTML; `{{{body}}}` is only ever a page this library rendered.
enum ConsoleTemplates {
    static var all: [(String, String)] {
        [("layout", layout), ("message", message), ("sign-in", signIn), ("runs", runs), ("run", run), ("reverse", reverse),
         ("choose", choose), ("start", start), ("preview", preview), ("inbox", inbox), ("task", task), ("evidence", evidence)]
    }

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · offboard</title>
        {{#refresh}}<meta http-equiv="refresh" content="0; url={{refresh}}">{{/refresh}}
        <link rel="stylesheet" href="/console/console.css">
        <script src="/console/live.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to the content</a>
        <header class="top">
        <a class="brand" href="/console">offboard</a>
        {{#person}}
        <nav aria-label="Main">{{#nav}}<a href="{{href}}">{{label}}</a>{{/nav}}</nav>
        <form method="post" action="/console/sign-out" class="signout">
        <span class="who">{{person}} <small>({{roles}})</small></span>
        <input type="hidden" name="form_token" value="{{formToken}}">
        <button type="submit">Sign out</button>
        </form>
        {{/person}}
        </header>
        <main id="main">
        <h1>{{title}}</h1>
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let message = """
        <p class="message" role="alert">{{message}}</p>
        <p><a href="/console">Back to the console</a></p>
        """

    static let signIn = """
        {{#message}}<p class="error" role="alert">{{message}}</p>{{/message}}
        {{#provider}}
        <div class="card">
        <p>Sign in with your organisation's account ({{provider}}).</p>
        <a class="button" href="/console/oidc/start?next={{nextQuery}}">Sign in with {{provider}}</a>
        </div>
        <p class="hint">Or, for a small set-up without an identity provider:</p>
        {{/provider}}
        <form method="post" action="/console/sign-in" class="card">
        <input type="hidden" name="sign_in_token" value="{{signInToken}}">
        <input type="hidden" name="next" value="{{next}}">
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required>
        <p class="hint">A token from <code>offboard token create --role ROLE --name NAME</code>; its name is the name your actions are journaled with.</p>
        <button type="submit">Sign in</button>
        </form>
        """

    static let runs = """
        <form method="get" action="/console/runs" class="filters">
        <label for="state">State</label>
        <select id="state" name="state"><option value="">any</option>{{#states}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/states}}</select>
        <label for="playbook">Playbook</label>
        <select id="playbook" name="playbook"><option value="">any</option>{{#playbooks}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/playbooks}}</select>
        <label for="leaver">Leaver</label>
        <input id="leaver" name="leaver" type="search" value="{{leaver}}" placeholder="employee id or email" autocomplete="off">
        <label for="since">Started from</label>
        <input id="since" name="since" type="date" value="{{since}}">
        <label for="until">to</label>
        <input id="until" name="until" type="date" value="{{until}}">
        <label><input type="checkbox" name="overdue" value="1"{{#overdue}} checked{{/overdue}}> overdue only</label>
        <button type="submit">Show</button>
        </form>
        {{#problem}}<p class="error" role="alert">{{problem}}</p>{{/problem}}
        <div id="runs" data-live-region>
        {{^any}}<p>No runs match.</p>{{/any}}
        {{#any}}
        <table>
        <thead><tr><th scope="col">Run</th><th scope="col">Leaver</th><th scope="col">Playbook</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Started</th></tr></thead>
        <tbody>
        {{#runs}}<tr{{#overdue}} class="overdue"{{/overdue}}>
        <td><a href="/console/runs/{{id}}">{{id}}</a></td><td>{{employee}}</td><td>{{playbook}}</td>
        <td><span class="state state-{{state}}">{{state}}</span>{{#overdue}} <span class="badge">overdue</span>{{/overdue}}</td>
        <td>{{progress}}</td><td>{{createdAt}} by {{createdBy}}</td></tr>
        {{/runs}}
        </tbody>
        </table>
        {{/any}}
        </div>
        """

    static let reverse = """
        <p>Reversing runs the compensation of each step that succeeded, newest first. It cannot be undone.</p>
        {{^any}}<p>Nothing in this run can be undone.</p>{{/any}}
        {{#any}}
        <ol class="timeline">{{#undo}}<li><strong>{{undoes}}</strong>: {{uses}} {{summary}}{{#problem}} <span class="error">{{problem}}</span>{{/problem}}</li>{{/undo}}</ol>
        {{/any}}
        {{#staysDone}}<p>Stays done: {{staysDone}}</p>{{/staysDone}}
        <form method="post" action="/console/runs/{{id}}/reverse" class="card">
        <input type="hidden" name="form_token" value="{{formToken}}">
        <label for="reason">Why (journaled with your name)</label>
        <textarea id="reason" name="reason" required maxlength="2000"></textarea>
        <button type="submit" class="danger">Reverse the run</button>
        </form>
        <p><a href="/console/runs/{{id}}">Back to the run</a></p>
        """

    static let choose = """
        <ul class="cards">
        {{#playbooks}}<li><a href="/console/start/{{name}}"><strong>{{name}}</strong> <small>v{{version}}</small></a><p>{{description}}</p></li>{{/playbooks}}
        </ul>
        """

    static let evidence = """
        <p class="{{#intact}}ok{{/intact}}{{^intact}}error{{/intact}}" role="status">{{verify}}</p>
        <p>{{summary}}</p>
        <p class="downloads">Download:
        <a href="/console/runs/{{id}}/evidence/html" download>HTML</a> ·
        <a href="/console/runs/{{id}}/evidence/md" download>Markdown</a> ·
        <a href="/console/runs/{{id}}/evidence/json" download>JSON</a></p>
        <iframe class="pack" title="Evidence pack of run {{id}}" src="/console/runs/{{id}}/evidence/html?inline=1"></iframe>
        <p><a href="/console/runs/{{id}}">Back to the run</a></p>
        """
}

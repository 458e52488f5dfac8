/// The larger page templates: a run, the start form and its preview, the task inbox and a task's form.
extension ConsoleTemplates {
    static let run = """
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        <div id="run" data-live-region>
        <dl class="facts">
        <dt>State</dt><dd><span class="state state-{{state}}">{{state}}</span></dd>
        <dt>Playbook</dt><dd>{{playbook}}</dd>
        <dt>Started</dt><dd>{{triggeredAt}} by {{triggeredBy}}</dd>
        {{#leaveTime}}<dt>Leave time</dt><dd>{{leaveTime}}</dd>{{/leaveTime}}
        {{#leaver}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/leaver}}
        {{#anyWithheld}}<dt>Withheld</dt><dd>{{withheld}} (personal; not shown to your role)</dd>{{/anyWithheld}}
        </dl>
        <p>{{summary}}</p>
        <h2>Steps</h2>
        <table class="steps">
        <thead><tr><th scope="col">Step</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Done</th><th scope="col">Deadline</th><th scope="col">Verification</th></tr></thead>
        <tbody>
        {{#steps}}<tr{{#missed}} class="overdue"{{/missed}}>
        <td><strong>{{id}}</strong> <small>{{handler}}{{#removesAccess}}, removes access{{/removesAccess}}</small>{{#description}}<br><small>{{description}}</small>{{/description}}</td>
        <td data-label="State"><span class="state state-{{state}}">{{state}}</span>{{#reason}}<br><small>{{reason}}</small>{{/reason}}{{#error}}<br><small class="error">{{error}}</small>{{/error}}</td>
        <td data-label="Attempts">{{attempts}}</td><td data-label="Done">{{finished}}{{#timing}}<br><small>{{timing}}</small>{{/timing}}</td><td data-label="Deadline">{{deadline}}</td><td data-label="Verification">{{verification}}</td></tr>
        {{/steps}}
        </tbody>
        </table>
        </div>
        {{#mayEvidence}}<p><a class="button" href="/console/runs/{{id}}/evidence">Evidence pack</a></p>{{/mayEvidence}}
        <h2>Actions</h2>
        {{#mayCancel}}
        <form method="post" action="/console/runs/{{id}}/cancel" class="card">
        <input type="hidden" name="form_token" value="{{formToken}}">
        <label for="cancel-reason">Why cancel (journaled with your name)</label>
        <textarea id="cancel-reason" name="reason" required maxlength="2000"></textarea>
        <button type="submit" class="danger">Cancel the run</button>
        </form>
        {{/mayCancel}}
        {{#mayReschedule}}
        <form method="post" action="/console/runs/{{id}}/reschedule" class="card">
        <input type="hidden" name="form_token" value="{{formToken}}">
        <label for="reschedule-input">Date to move</label>
        <select id="reschedule-input" name="input">{{#reschedule}}<option>{{name}}</option>{{/reschedule}}</select>
        <label for="reschedule-value">New value (a date-time with offset, a date, or now)</label>
        <input id="reschedule-value" name="value" required>
        <label><input type="checkbox" name="allow_past"> it may be in the past (act at once)</label>
        <label for="reschedule-reason">Why (journaled)</label>
        <textarea id="reschedule-reason" name="reason" required maxlength="2000"></textarea>
        <button type="submit">Reschedule</button>
        </form>
        {{/mayReschedule}}
        {{#mayRetry}}
        <form method="post" action="/console/runs/{{id}}/retry" class="card">
        <input type="hidden" name="form_token" value="{{formToken}}">
        <button type="submit">Retry the failed steps</button>
        </form>
        {{/mayRetry}}
        {{#mayReverse}}<p><a href="/console/runs/{{id}}/reverse">Reverse this run…</a> (shows what would be undone first)</p>{{/mayReverse}}
        <h2>History</h2>
        <ol class="history" id="history" data-live-region>{{#history}}<li><time>{{at}}</time> {{text}}</li>{{/history}}</ol>
        """

    static let start = """
        <p>{{description}}</p>
        {{#anyProblems}}<p class="error" role="alert">The record does not fit the playbook yet; see the marked fields. Nothing was started.</p>{{/anyProblems}}
        {{#general}}<p class="error">{{.}}</p>{{/general}}
        <form method="post" action="/console/start/{{playbook}}/preview" class="card" novalidate>
        <input type="hidden" name="form_token" value="{{formToken}}">
        {{#fields}}
        <div class="field{{#invalid}} invalid{{/invalid}}">
        <label for="{{id}}">{{label}}{{#required}} <abbr title="required">*</abbr>{{/required}} <small>({{type}})</small></label>
        {{#select}}<select id="{{id}}" name="{{name}}"{{#invalid}} aria-invalid="true" aria-describedby="{{id}}-error"{{/invalid}}>{{#options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/options}}</select>{{/select}}
        {{^select}}{{#textarea}}<textarea id="{{id}}" name="{{name}}"{{#invalid}} aria-invalid="true" aria-describedby="{{id}}-error"{{/invalid}}>{{value}}</textarea>{{/textarea}}{{^textarea}}<input id="{{id}}" name="{{name}}" type="{{html}}" value="{{value}}"{{#invalid}} aria-invalid="true" aria-describedby="{{id}}-error"{{/invalid}}>{{/textarea}}{{/select}}
        {{#help}}<p class="hint">{{help}}</p>{{/help}}
        {{#hint}}<p class="hint">{{hint}}</p>{{/hint}}
        {{#invalid}}<p class="error" id="{{id}}-error">{{#errors}}{{.}} {{/errors}}</p>{{/invalid}}
        </div>
        {{/fields}}
        <label><input type="checkbox" name="live"{{#live}} checked{{/live}}> read the real targets too (live preview: what each system holds now)</label>
        <button type="submit">Preview</button>
        </form>
        """

    static let preview = """
        <p>Nothing has run yet. This is exactly what the run would do{{#leaveTime}}; the leave time is {{leaveTime}}{{/leaveTime}} ({{timeZone}}).{{#live}} Read live from the real targets.{{/live}}</p>
        {{#anyExisting}}<p class="notice" role="status">Runs of this playbook for this leaver are already going: {{#existing}}<a href="/console/runs/{{id}}">{{id}}</a> ({{state}}) {{/existing}}</p>{{/anyExisting}}
        {{#anyProblems}}<div class="error" role="alert"><p>The run would fail:</p><ul>{{#problems}}<li>{{.}}</li>{{/problems}}</ul></div>{{/anyProblems}}
        {{#anyWarnings}}<ul class="warnings">{{#warnings}}<li>{{.}}</li>{{/warnings}}</ul>{{/anyWarnings}}
        <ol class="timeline">
        {{#steps}}<li class="{{^runs}}skipped{{/runs}}">
        <p><strong>{{id}}</strong> <small>{{uses}}</small> <span class="state state-{{status}}">{{status}}</span></p>
        {{#when}}<p class="when">{{when}}{{#deadline}}; deadline {{deadline}}{{/deadline}}</p>{{/when}}
        {{#description}}<p>{{description}}</p>{{/description}}
        {{#action}}<p class="action">{{action}}</p>{{/action}}
        {{#hasDetails}}<ul>{{#details}}<li>{{.}}</li>{{/details}}</ul>{{/hasDetails}}
        {{#reason}}<p class="hint">{{reason}}</p>{{/reason}}
        </li>{{/steps}}
        </ol>
        {{#secrets}}<p class="hint">Secrets it would read (values never shown): {{secrets}}</p>{{/secrets}}
        <form method="post" action="/console/start/{{playbook}}" class="card">
        <input type="hidden" name="form_token" value="{{formToken}}">
        {{#hidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hidden}}
        <button type="submit"{{#anyProblems}} disabled{{/anyProblems}}>Confirm and start</button>
        </form>
        <form method="post" action="/console/start/{{playbook}}/edit">
        <input type="hidden" name="form_token" value="{{formToken}}">
        {{#hidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hidden}}
        {{#live}}<input type="hidden" name="live" value="on">{{/live}}
        <button type="submit" class="secondary">Change the details</button>
        </form>
        """

    static let inbox = """
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        <p>Open tasks for {{teams}}, overdue first.</p>
        <div id="tasks" data-live-region>
        {{^any}}<p>Nothing waits for you.</p>{{/any}}
        {{#any}}
        <ul class="cards">
        {{#tasks}}<li{{#overdue}} class="overdue"{{/overdue}}>
        <a href="{{href}}"><strong>{{title}}</strong></a>{{#overdue}} <span class="badge">overdue</span>{{/overdue}}{{#approval}} <span class="badge">needs your approval</span>{{/approval}}
        <p><small>run {{run}} · {{step}}{{#item}} [{{item}}]{{/item}} · for {{assignee}}{{#due}} · due <time data-local datetime="{{due}}">{{due}}</time>{{/due}}</small></p>
        </li>{{/tasks}}
        </ul>
        {{/any}}
        </div>
        """

    static let task = """
        {{#refusal}}<p class="error" role="alert">{{refusal}}</p>{{/refusal}}
        <p><small>Run <a href="/console/runs/{{run}}">{{run}}</a> · step {{step}} · for {{assignee}}{{#due}} · due <time data-local datetime="{{due}}">{{due}}</time>{{/due}}{{#overdue}} <span class="badge">overdue</span>{{/overdue}}</small></p>
        {{#instructions}}<div class="instructions">{{instructions}}</div>{{/instructions}}
        {{^approval}}
        <form method="post" action="{{action}}" class="card">
        <input type="hidden" name="form_token" value="{{formToken}}">
        <input type="hidden" name="item" value="{{item}}">
        <input type="hidden" name="action" value="complete">
        {{#fields}}
        <div class="field">
        <label for="{{id}}">{{label}}{{#required}} <abbr title="required">*</abbr>{{/required}}</label>
        {{#select}}<select id="{{id}}" name="{{name}}">{{#options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/options}}</select>{{/select}}
        {{^select}}<input id="{{id}}" name="{{name}}" type="{{html}}" value="{{value}}"{{#numberStep}} step="{{numberStep}}"{{/numberStep}}>{{/select}}
        {{#help}}<p class="hint">{{help}}</p>{{/help}}
        </div>
        {{/fields}}
        <button type="submit">Record as done</button>
        </form>
        {{/approval}}
        {{#approval}}
        <p>Approvals: {{approvals}}</p>
        <form method="post" action="{{action}}" class="card">
        <input type="hidden" name="form_token" value="{{formToken}}">
        <input type="hidden" name="item" value="{{item}}">
        <label for="reason">Reason (required to reject; journaled)</label>
        <textarea id="reason" name="reason" maxlength="2000"></textarea>
        <button type="submit" name="action" value="approve">Approve</button>
        <button type="submit" name="action" value="reject" class="danger">Reject</button>
        </form>
        {{/approval}}
        """
}

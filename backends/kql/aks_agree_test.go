package kql_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
)

// aksAuditEvents are Kubernetes API server audit events (audit.k8s.io/v1
// Event) as an AKS cluster's kube-audit category carries them: kubectl
// exec into a pod (its RequestReceived stage without a response, and its
// ResponseStarted stage), a secrets list by a scanner, a forbidden secret
// read, an unauthenticated non-resource request (no objectRef), changes
// to deployments, cron jobs, role bindings, webhooks, service accounts and
// events, and a DaemonSet controller's pod in kube-system.
var aksAuditEvents = []string{
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0b3a1f52-7c1e-4d7e-9a55-2f0c1d9e8a01","stage":"RequestReceived","requestURI":"/api/v1/namespaces/default/pods/web-7d9c8f-x2k4p/exec?command=%2Fbin%2Fsh&container=web&stdin=true&stdout=true&tty=true","verb":"create","user":{"username":"masterclient","groups":["system:masters","system:authenticated"]},"sourceIPs":["20.54.12.7"],"userAgent":"kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819","objectRef":{"resource":"pods","namespace":"default","name":"web-7d9c8f-x2k4p","apiVersion":"v1","subresource":"exec"}}`,
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0b3a1f52-7c1e-4d7e-9a55-2f0c1d9e8a01","stage":"ResponseStarted","requestURI":"/api/v1/namespaces/default/pods/web-7d9c8f-x2k4p/exec?command=%2Fbin%2Fsh&container=web&stdin=true&stdout=true&tty=true","verb":"create","user":{"username":"masterclient","groups":["system:masters","system:authenticated"]},"sourceIPs":["20.54.12.7"],"userAgent":"kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819","objectRef":{"resource":"pods","namespace":"default","name":"web-7d9c8f-x2k4p","apiVersion":"v1","subresource":"exec"},"responseStatus":{"metadata":{},"code":101}}`,
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"5e9d2c14-1b7a-4f0e-8c3d-6a2b9f1e4d02","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/secrets?limit=500","verb":"list","user":{"username":"system:serviceaccount:tools:scanner","uid":"8f2c1d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f","groups":["system:serviceaccounts","system:serviceaccounts:tools","system:authenticated"]},"sourceIPs":["10.224.0.31"],"userAgent":"trufflehog/3.63.2","objectRef":{"resource":"secrets","namespace":"kube-system","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200}}`,
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"9c1e7a3b-2d4f-4e6a-8b0c-1d2e3f4a5b03","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef","verb":"get","user":{"username":"system:serviceaccount:default:default","groups":["system:serviceaccounts","system:serviceaccounts:default","system:authenticated"]},"sourceIPs":["10.224.0.55"],"userAgent":"curl/8.5.0","objectRef":{"resource":"secrets","namespace":"kube-system","name":"bootstrap-token-abcdef","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Failure","message":"secrets \"bootstrap-token-abcdef\" is forbidden: User \"system:serviceaccount:default:default\" cannot get resource \"secrets\" in API group \"\" in the namespace \"kube-system\"","reason":"Forbidden","details":{"name":"bootstrap-token-abcdef","kind":"secrets"},"code":403}}`,
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"3f8b2a6c-9d1e-4a7b-b2c4-5e6f7a8b9c04","stage":"ResponseStarted","requestURI":"/version","verb":"get","user":{},"sourceIPs":["185.220.101.4"],"userAgent":"python-requests/2.31.0","responseStatus":{"metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}}`,
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"7a2c4e6b-8d0f-4b1a-9c3e-5f7a9b1c3d05","stage":"ResponseComplete","requestURI":"/apis/apps/v1/namespaces/payments/deployments/api","verb":"delete","user":{"username":"alice@contoso.com","groups":["6d4f2a1b-3c5e-4f7a-8b9c-0d1e2f3a4b5c","system:authenticated"]},"sourceIPs":["20.54.12.8"],"userAgent":"kubectl/v1.30.1 (darwin/arm64) kubernetes/6911225","objectRef":{"resource":"deployments","namespace":"payments","name":"api","apiGroup":"apps","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Success","code":200}}`,
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"1d3f5b7a-9c2e-4d6f-a8b0-2c4e6a8c0e06","stage":"ResponseComplete","requestURI":"/apis/apps/v1/namespaces/payments/deployments/api?fieldManager=kubectl-patch","verb":"patch","user":{"username":"alice@contoso.com","groups":["system:authenticated"]},"sourceIPs":["20.54.12.8"],"userAgent":"kubectl/v1.30.1 (darwin/arm64) kubernetes/6911225","objectRef":{"resource":"deployments","namespace":"payments","name":"api","apiGroup":"apps","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200}}`,
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"4b6d8f0a-2c4e-4a6b-8d0f-3b5d7f9a1c07","stage":"ResponseComplete","requestURI":"/apis/batch/v1/namespaces/ops/cronjobs/nightly-backup?fieldManager=kubectl-edit","verb":"patch","user":{"username":"bob@contoso.com","groups":["system:authenticated"]},"sourceIPs":["20.54.12.9"],"userAgent":"kubectl/v1.29.2 (windows/amd64) kubernetes/4b8e819","objectRef":{"resource":"cronjobs","namespace":"ops","name":"nightly-backup","apiGroup":"batch","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200}}`,
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"6c8e0a2b-4d6f-4b8c-a0e2-4c6e8a0b2d08","stage":"ResponseComplete","requestURI":"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create","verb":"create","user":{"username":"masterclient","groups":["system:masters","system:authenticated"]},"sourceIPs":["20.54.12.7"],"userAgent":"kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819","objectRef":{"resource":"clusterrolebindings","name":"my-svc-acct-admin","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201}}`,
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"8e0a2c4d-6f8b-4d0e-b2a4-5d7f9b1d3f09","stage":"ResponseComplete","requestURI":"/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/sidecar-injector","verb":"update","user":{"username":"system:serviceaccount:mesh:installer","groups":["system:serviceaccounts","system:authenticated"]},"sourceIPs":["10.224.0.12","20.54.12.10"],"userAgent":"helm/v3.14.0","objectRef":{"resource":"mutatingwebhookconfigurations","name":"sidecar-injector","apiGroup":"admissionregistration.k8s.io","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200}}`,
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0a2c4e6f-8b0d-4f2a-c4e6-6f8b0d2f4b10","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/serviceaccounts?fieldManager=kubectl-create","verb":"create","user":{"username":"masterclient","groups":["system:masters","system:authenticated"]},"sourceIPs":["20.54.12.7"],"userAgent":"kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819","objectRef":{"resource":"serviceaccounts","namespace":"default","name":"backdoor","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201}}`,
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"2c4e6a8b-0d2f-4a4c-e6a8-7a0c2e4a6c11","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/events/web.17b2c3d4e5f6a7b8","verb":"delete","user":{"username":"masterclient","groups":["system:masters","system:authenticated"]},"sourceIPs":["20.54.12.7"],"userAgent":"kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819","objectRef":{"resource":"events","namespace":"default","name":"web.17b2c3d4e5f6a7b8","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Success","code":200}}`,
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"4e6a8c0d-2f4b-4c6e-a8c0-8b1d3f5b7d12","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/pods","verb":"create","user":{"username":"system:serviceaccount:kube-system:daemon-set-controller","groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"]},"sourceIPs":["10.224.0.4"],"userAgent":"kube-controller-manager/v1.29.2 (linux/amd64) kubernetes/4b8e819/system:serviceaccount:kube-system:daemon-set-controller","objectRef":{"resource":"pods","namespace":"kube-system","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201}}`,
}

// aksAuditRow is the AKSAudit row of an audit event (Azure Monitor table
// reference): the event's top-level strings in their own columns, its
// objectRef, user, responseStatus and sourceIPs as the JSON text of the
// dynamic columns ObjectRef, User, ResponseStatus and SourceIps (the
// reader's form of a dynamic column); a key the event lacks leaves its
// column null.
func aksAuditRow(t *testing.T, ev map[string]any) map[string]string {
	columns := map[string]string{"verb": "Verb", "requestURI": "RequestUri", "userAgent": "UserAgent", "stage": "Stage", "level": "Level", "auditID": "AuditId",
		"objectRef": "ObjectRef", "user": "User", "responseStatus": "ResponseStatus", "sourceIPs": "SourceIps", "requestObject": "RequestObject"}
	row := map[string]string{}
	for key, v := range ev {
		col, ok := columns[key]
		if !ok {
			continue // kind, apiVersion: the table keeps no column for them
		}
		if s, ok := v.(string); ok {
			row[col] = s
			continue
		}
		text, err := json.Marshal(v)
		require.NoError(t, err)
		row[col] = string(text)
	}
	return row
}

// aksAuditRules are rules on the fields the AKSAudit source maps, written
// as SigmaHQ's are: each operator, a list, a negated filter on a member
// that cluster-scoped objects and non-resource requests lack, the
// response code, the user and the first source IP.
var aksAuditRules = []string{
	"detection:\n  sel:\n    verb: create\n    objectRef.resource: pods\n    objectRef.subresource:\n      - exec\n      - attach\n  condition: sel",
	"detection:\n  sel:\n    verb|startswith: DELETE\n  filter:\n    objectRef.namespace: kube-system\n  condition: sel and not filter",
	"detection:\n  sel:\n    objectRef.apiGroup:\n      - rbac.authorization.k8s.io\n      - admissionregistration.k8s.io\n    verb:\n      - create\n      - update\n      - patch\n  condition: sel",
	"detection:\n  sel:\n    responseStatus.code:\n      - 401\n      - 403\n  condition: sel",
	"detection:\n  sel:\n    requestURI|contains: '%2fbin%2fsh'\n  ua:\n    userAgent|contains: trufflehog\n  condition: sel or ua",
	"detection:\n  sel:\n    user.username|startswith: 'system:serviceaccount:'\n    objectRef.resource: secrets\n  filter:\n    objectRef.namespace|endswith: '-system'\n  condition: sel and not filter",
	"detection:\n  sel:\n    objectRef.resource|endswith: s\n    responseStatus.code: 201\n  filter:\n    userAgent|contains: kube-controller-manager\n  condition: sel and not filter",
}

// TestAKSAuditAgrees: each rule, compiled for both Sentinel profiles and
// read back with the independent reader (the query's extend evaluated on
// the row first, as Kusto would), decides on the AKSAudit rows as the
// evaluator decides on the audit events.
func TestAKSAuditAgrees(t *testing.T) {
	var rules []*rule.Rule
	for i, body := range aksAuditRules {
		src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource:\n  product: kubernetes\n  service: audit\n%s\n", 990+i, body)
		loaded, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
		require.False(t, diags.HasErrors(), "%v", diags)
		rules = append(rules, loaded...)
	}
	for _, profile := range []string{"sentinel-csl", "sentinel-asim"} {
		assert.Equal(t, len(rules), agreeOnAKSAudit(t, rules, profile, true), profile)
	}
}

// TestAKSAuditAgreesOnCorpus: SigmaHQ's Kubernetes audit rules that the
// Sentinel profiles compile.
func TestAKSAuditAgreesOnCorpus(t *testing.T) {
	var rules []*rule.Rule
	for _, r := range corpus.Rules(t) {
		if r.LogSource.Product == "kubernetes" && r.LogSource.Service == "audit" {
			rules = append(rules, r)
		}
	}
	for _, profile := range []string{"sentinel-csl", "sentinel-asim"} {
		checked := agreeOnAKSAudit(t, rules, profile, false)
		t.Logf("%s: %d SigmaHQ rules compared", profile, checked)
		assert.GreaterOrEqual(t, checked, 12, profile)
	}
}

// agreeOnAKSAudit compiles each rule for profile and compares its query
// with the evaluator on every event of aksAuditEvents; rules the profile
// refuses are passed over unless every is set. It returns how many rules
// it compared.
func agreeOnAKSAudit(t *testing.T, rules []*rule.Rule, profile string, every bool) (checked int) {
	var events []eval.MapEvent
	for _, text := range aksAuditEvents {
		var ev map[string]any
		d := json.NewDecoder(strings.NewReader(text))
		d.UseNumber()
		require.NoError(t, d.Decode(&ev), text)
		events = append(events, ev)
	}
	hits, misses := 0, 0
	for _, r := range rules {
		q, err := kql.New().Compile(testutil.Checked(t, r), target.Options{Profile: profile})
		if err != nil && !every {
			continue
		}
		require.NoError(t, err, r.File)
		require.Equal(t, "AKSAudit", q.Source.Attr("table"), r.File)
		var names []string
		var exprs []xnode
		for _, clause := range strings.Split(q.Text, "\n| ") {
			if text, ok := strings.CutPrefix(clause, "extend "); ok {
				names, exprs, err = extendColumns(text)
				require.NoError(t, err, q.Text)
			}
		}
		match, err := readQuery(withoutExtend(q.Text))
		require.NoError(t, err, q.Text)
		prog, diags := eval.Compile(r)
		require.False(t, diags.HasErrors(), "%v", diags)
		for _, ev := range events {
			row := aksAuditRow(t, ev)
			for i, name := range names {
				switch v := exprs[i](row); v.kind {
				case 's':
					row[name] = v.s
				case 'l':
					row[name] = strconv.FormatInt(v.l, 10)
				case 'n':
					delete(row, name)
				default:
					t.Fatalf("%s: extend %s gives %v", r.File, name, v)
				}
			}
			want := prog.Match(ev)
			if want {
				hits++
			} else {
				misses++
			}
			assert.Equal(t, want, match(row), "%s: %s\nevent %v\nrow %v\n%s", profile, r.File, ev, row, q.Text)
		}
		checked++
	}
	assert.Positive(t, hits, "the events must match as well as miss")
	assert.Positive(t, misses, "the events must match as well as miss")
	return checked
}

// TestAKSAuditRefusals: the fields a Kubernetes audit event does not have
// as the rules name them are refused with the reason, in both profiles.
func TestAKSAuditRefusals(t *testing.T) {
	tests := []struct{ field, reason string }{
		{"apiGroup", "no top-level apiGroup"},
		{"hostPath", "no hostPath field"},
		{"capabilities", "no capabilities field"},
	}
	for _, profile := range []string{"sentinel-csl", "sentinel-asim"} {
		for i, tt := range tests {
			src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource:\n  category: application\n  product: kubernetes\n  service: audit\n"+
				"detection:\n  sel:\n    verb: create\n    objectRef.resource: pods\n    %s: '*'\n  condition: sel\n", 1010+i, tt.field)
			rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
			require.False(t, diags.HasErrors(), "%v", diags)
			_, err := kql.New().Compile(testutil.Checked(t, rules[0]), target.Options{Profile: profile})
			require.Error(t, err, "%s %s", profile, tt.field)
			assert.Contains(t, err.Error(), tt.reason, "%s %s", profile, tt.field)
		}
	}
}

// TestAKSAuditSourceSameInBothSentinelProfiles: ASIM has no schema for the
// Kubernetes audit log, so sentinel-asim reads AKSAudit exactly as
// sentinel-csl does.
func TestAKSAuditSourceSameInBothSentinelProfiles(t *testing.T) {
	ls := rule.LogSource{Product: "kubernetes", Service: "audit"}
	var sources []any
	for _, profile := range []string{"sentinel-csl", "sentinel-asim"} {
		prof, err := kql.Profile(profile, nil)
		require.NoError(t, err)
		alts, err := prof.Alternatives(ls)
		require.NoError(t, err)
		require.Len(t, alts, 1, profile)
		src := *alts[0]
		src.Pos = rule.Pos{} // where each profile file declares it
		sources = append(sources, src)
	}
	assert.Equal(t, sources[0], sources[1])
}

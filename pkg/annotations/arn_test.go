package annotations

import (
	"strings"
	"testing"
)

func TestParseStateMachineARN(t *testing.T) {
	tests := []struct {
		in      string
		want    StateMachineARN
		wantErr string // substring of the error; "" for success
	}{
		{in: "arn:aws:states:us-east-1:123456789012:stateMachine:deploy",
			want: StateMachineARN{Partition: "aws", Region: "us-east-1", Account: "123456789012", Name: "deploy"}},
		{in: "arn:aws:states:eu-west-1:123456789012:stateMachine:Deploy_v2-x:7",
			want: StateMachineARN{Partition: "aws", Region: "eu-west-1", Account: "123456789012", Name: "Deploy_v2-x", Qualifier: "7"}},
		{in: "arn:aws:states:eu-west-1:123456789012:stateMachine:deploy:live.v1",
			want: StateMachineARN{Partition: "aws", Region: "eu-west-1", Account: "123456789012", Name: "deploy", Qualifier: "live.v1"}},
		{in: "arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:deploy",
			want: StateMachineARN{Partition: "aws-us-gov", Region: "us-gov-west-1", Account: "123456789012", Name: "deploy"}},
		{in: "arn:aws-cn:states:cn-north-1:123456789012:stateMachine:deploy",
			want: StateMachineARN{Partition: "aws-cn", Region: "cn-north-1", Account: "123456789012", Name: "deploy"}},
		{in: "arn:aws-iso-b:states:us-isob-east-1:123456789012:stateMachine:deploy",
			want: StateMachineARN{Partition: "aws-iso-b", Region: "us-isob-east-1", Account: "123456789012", Name: "deploy"}},
		{in: "arn:aws-eusc:states:eusc-de-east-1:123456789012:stateMachine:deploy",
			want: StateMachineARN{Partition: "aws-eusc", Region: "eusc-de-east-1", Account: "123456789012", Name: "deploy"}},
		{in: "arn:aws:states:us-east-1:123456789012:stateMachine:" + strings.Repeat("a", 80),
			want: StateMachineARN{Partition: "aws", Region: "us-east-1", Account: "123456789012", Name: strings.Repeat("a", 80)}},

		{in: "", wantErr: "empty"},
		{in: " arn:aws:states:us-east-1:123456789012:stateMachine:deploy", wantErr: "whitespace"},
		{in: "deploy", wantErr: "not an ARN"},
		{in: "arn:aws:states:us-east-1", wantErr: "not an ARN"},
		{in: "arn:azure:states:us-east-1:123456789012:stateMachine:deploy", wantErr: `unknown partition "azure"`},
		{in: "arn:aws:lambda:us-east-1:123456789012:function:deploy", wantErr: `service "lambda", expected "states"`},
		{in: "arn:aws:states::123456789012:stateMachine:deploy", wantErr: "region is missing"},
		{in: "arn:aws:states:us-east:123456789012:stateMachine:deploy", wantErr: `region "us-east" is not an AWS region`},
		{in: "arn:aws:states:US-EAST-1:123456789012:stateMachine:deploy", wantErr: "not an AWS region"},
		{in: "arn:aws:states:cn-north-1:123456789012:stateMachine:deploy", wantErr: `region "cn-north-1" is in partition aws-cn, not aws`},
		{in: "arn:aws-us-gov:states:us-east-1:123456789012:stateMachine:deploy", wantErr: "is in partition aws, not aws-us-gov"},
		{in: "arn:aws:states:us-east-1:12345678901:stateMachine:deploy", wantErr: `account "12345678901" is not a 12-digit`},
		{in: "arn:aws:states:us-east-1:1234-5678-9012:stateMachine:deploy", wantErr: "12-digit"},
		{in: "arn:aws:states:us-east-1:123456789012:execution:deploy:run-1", wantErr: `resource "execution:deploy:run-1" is not a state machine`},
		{in: "arn:aws:states:us-east-1:123456789012:activity:deploy", wantErr: "is not a state machine"},
		{in: "arn:aws:states:us-east-1:123456789012:stateMachine", wantErr: `state machine name ""`},
		{in: "arn:aws:states:us-east-1:123456789012:stateMachine:", wantErr: `state machine name ""`},
		{in: "arn:aws:states:us-east-1:123456789012:stateMachine:de ploy", wantErr: `name "de ploy"`},
		{in: "arn:aws:states:us-east-1:123456789012:stateMachine:" + strings.Repeat("a", 81), wantErr: "is not 1-80"},
		{in: "arn:aws:states:us-east-1:123456789012:stateMachine:deploy:0", wantErr: `version "0"`},
		{in: "arn:aws:states:us-east-1:123456789012:stateMachine:deploy:007", wantErr: "leading zeros"},
		{in: "arn:aws:states:us-east-1:123456789012:stateMachine:deploy:", wantErr: `alias ""`},
		{in: "arn:aws:states:us-east-1:123456789012:stateMachine:deploy:li ve", wantErr: `alias "li ve"`},
		{in: "arn:aws:states:us-east-1:123456789012:stateMachine:deploy:1:2", wantErr: "too many parts"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseStateMachineARN(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseStateMachineARN(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseStateMachineARN(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseStateMachineARN(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestStateMachineARNQualifier(t *testing.T) {
	tests := []struct {
		qualifier        string
		version, isAlias bool
	}{
		{"", false, false},
		{"12", true, false},
		{"prod", false, true},
		{"1a", false, true},
	}
	for _, tt := range tests {
		a := StateMachineARN{Partition: "aws", Region: "us-east-1", Account: "123456789012", Name: "m", Qualifier: tt.qualifier}
		if a.IsVersion() != tt.version || a.IsAlias() != tt.isAlias {
			t.Errorf("%q: IsVersion=%v IsAlias=%v, want %v %v", tt.qualifier, a.IsVersion(), a.IsAlias(), tt.version, tt.isAlias)
		}
		if u := a.Unqualified(); u.Qualifier != "" || u.Name != "m" {
			t.Errorf("%q: Unqualified() = %+v", tt.qualifier, u)
		}
	}
	if (StateMachineARN{}).String() != "" || !(StateMachineARN{}).IsZero() {
		t.Error("zero StateMachineARN should format as \"\" and be IsZero")
	}
}

func TestParseServiceARN(t *testing.T) {
	tests := []struct {
		in, canonical string // canonical "" means the same as in
		want          ServiceARN
		wantErr       string
	}{
		{in: "arn:aws:ecs:us-east-1:123456789012:service/prod/web",
			want: ServiceARN{Partition: "aws", Region: "us-east-1", Account: "123456789012", Cluster: "prod", Service: "web"}},
		{in: "arn:aws:ecs:us-east-1:123456789012:service/web_api-2",
			canonical: "arn:aws:ecs:us-east-1:123456789012:service/default/web_api-2",
			want:      ServiceARN{Partition: "aws", Region: "us-east-1", Account: "123456789012", Cluster: "default", Service: "web_api-2"}},
		{in: "arn:aws-cn:ecs:cn-northwest-1:123456789012:service/c/s",
			want: ServiceARN{Partition: "aws-cn", Region: "cn-northwest-1", Account: "123456789012", Cluster: "c", Service: "s"}},
		{in: "arn:aws-us-gov:ecs:us-gov-east-1:123456789012:service/c/s",
			want: ServiceARN{Partition: "aws-us-gov", Region: "us-gov-east-1", Account: "123456789012", Cluster: "c", Service: "s"}},

		{in: "arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef", wantErr: `resource "task/prod/0123456789abcdef" is not an ECS service`},
		{in: "arn:aws:ecs:us-east-1:123456789012:cluster/prod", wantErr: "is not an ECS service"},
		{in: "arn:aws:ecs:us-east-1:123456789012:service", wantErr: "is not an ECS service"},
		{in: "arn:aws:ecs:us-east-1:123456789012:service/a/b/c", wantErr: "is not an ECS service"},
		{in: "arn:aws:ecs:us-east-1:123456789012:service/", wantErr: `service name ""`},
		{in: "arn:aws:ecs:us-east-1:123456789012:service//web", wantErr: `cluster name ""`},
		{in: "arn:aws:ecs:us-east-1:123456789012:service/prod/web.api", wantErr: `service name "web.api"`},
		{in: "arn:aws:ecs:us-east-1:123456789012:service/" + strings.Repeat("c", 256) + "/web", wantErr: "cluster name"},
		{in: "arn:aws:states:us-east-1:123456789012:service/prod/web", wantErr: `service "states", expected "ecs"`},
		{in: "arn:aws:ecs:us-east-1::service/prod/web", wantErr: `account ""`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseServiceARN(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseServiceARN(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseServiceARN(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseServiceARN(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			want := tt.canonical
			if want == "" {
				want = tt.in
			}
			if got.String() != want {
				t.Errorf("String() = %q, want %q", got.String(), want)
			}
		})
	}
}

func TestParseRoleARN(t *testing.T) {
	tests := []struct {
		in      string
		want    RoleARN
		wantErr string
	}{
		{in: "arn:aws:iam::123456789012:role/deployer",
			want: RoleARN{Partition: "aws", Account: "123456789012", Path: "/", Name: "deployer"}},
		{in: "arn:aws:iam::123456789012:role/ci/github/Deploy+Role=x,y.z@corp_1-2",
			want: RoleARN{Partition: "aws", Account: "123456789012", Path: "/ci/github/", Name: "Deploy+Role=x,y.z@corp_1-2"}},
		{in: "arn:aws-us-gov:iam::123456789012:role/deployer",
			want: RoleARN{Partition: "aws-us-gov", Account: "123456789012", Path: "/", Name: "deployer"}},
		{in: "arn:aws-cn:iam::123456789012:role/service-role/deployer",
			want: RoleARN{Partition: "aws-cn", Account: "123456789012", Path: "/service-role/", Name: "deployer"}},
		{in: "arn:aws:iam::123456789012:role/" + strings.Repeat("r", 64),
			want: RoleARN{Partition: "aws", Account: "123456789012", Path: "/", Name: strings.Repeat("r", 64)}},

		{in: "arn:aws:iam:us-east-1:123456789012:role/deployer", wantErr: `iam ARNs have no region, found "us-east-1"`},
		{in: "arn:aws:iam::123456789012:user/alice", wantErr: `resource "user/alice" is not an IAM role`},
		{in: "arn:aws:iam::123456789012:role", wantErr: "is not an IAM role"},
		{in: "arn:aws:iam::123456789012:role/", wantErr: `role name ""`},
		{in: "arn:aws:iam::123456789012:role/ci/", wantErr: `role name ""`},
		{in: "arn:aws:iam::123456789012:role/dep loyer", wantErr: `role name "dep loyer"`},
		{in: "arn:aws:iam::123456789012:role/" + strings.Repeat("r", 65), wantErr: "1-64"},
		{in: "arn:aws:iam::123456789012:role/a//b", wantErr: "empty segment"},
		{in: "arn:aws:iam::123456789012:role/" + strings.Repeat("p", 512) + "/b", wantErr: "longer than 512"},
		{in: "arn:aws:iam::aws:role/deployer", wantErr: `account "aws"`},
		{in: "arn:aws:sts::123456789012:assumed-role/deployer/session-1", wantErr: "use the role's ARN, arn:aws:iam::123456789012:role/deployer"},
		{in: "arn:aws:sts::123456789012:federated-user/bob", wantErr: `service "sts", expected "iam"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRoleARN(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRoleARN(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRoleARN(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseRoleARN(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
	// An empty Path formats as "/".
	if got := (RoleARN{Partition: "aws", Account: "123456789012", Name: "r"}).String(); got != "arn:aws:iam::123456789012:role/r" {
		t.Errorf("String() with empty Path = %q", got)
	}
}

func FuzzParseStateMachineARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:states:us-east-1:123456789012:stateMachine:deploy",
		"arn:aws:states:us-east-1:123456789012:stateMachine:deploy:3",
		"arn:aws-cn:states:cn-north-1:123456789012:stateMachine:d:live",
		"arn:aws:states:us-east-1:123456789012:execution:d:x",
		"arn:", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseStateMachineARN(s)
		if err != nil {
			return
		}
		b, err := ParseStateMachineARN(a.String())
		if err != nil || a != b {
			t.Fatalf("%q parsed to %+v, which formats to %q and parses to %+v, %v", s, a, a.String(), b, err)
		}
		if a.String() != s {
			t.Fatalf("%q formats back as %q", s, a.String())
		}
	})
}

func FuzzParseServiceARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:ecs:us-east-1:123456789012:service/prod/web",
		"arn:aws:ecs:us-east-1:123456789012:service/web",
		"arn:aws-us-gov:ecs:us-gov-west-1:123456789012:service/c/s",
		"arn:aws:ecs:us-east-1:123456789012:task/c/s",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseServiceARN(s)
		if err != nil {
			return
		}
		b, err := ParseServiceARN(a.String())
		if err != nil || a != b {
			t.Fatalf("%q parsed to %+v, which formats to %q and parses to %+v, %v", s, a, a.String(), b, err)
		}
	})
}

func FuzzParseRoleARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:iam::123456789012:role/deployer",
		"arn:aws:iam::123456789012:role/a/b/deployer",
		"arn:aws:sts::123456789012:assumed-role/deployer/s",
		"arn:aws:iam::123456789012:role//x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseRoleARN(s)
		if err != nil {
			return
		}
		b, err := ParseRoleARN(a.String())
		if err != nil || a != b {
			t.Fatalf("%q parsed to %+v, which formats to %q and parses to %+v, %v", s, a, a.String(), b, err)
		}
		if a.String() != s {
			t.Fatalf("%q formats back as %q", s, a.String())
		}
	})
}

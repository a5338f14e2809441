package testenv

// This file holds a stand-in for what moto 5.2.1 does not model of
// CodeDeploy, in front of moto for what it does (and for every other
// service, which it passes through untouched). moto's codedeploy backend
// keeps applications, deployment groups and deployments (CreateApplication,
// CreateDeploymentGroup, CreateDeployment, ListDeployments, GetDeployment:
// checked by calling it), but a deployment stays "Created" forever with no
// error or rollback information, GetDeployment writes its timestamps as ISO
// strings where the CodeDeploy JSON protocol (and the Go SDK) has epoch
// numbers, and StopDeployment, ListDeploymentTargets and GetDeploymentTarget
// answer 500. So the stand-in forwards the calls moto has, fixes
// GetDeployment's timestamps and lays over its answer the status, error
// information and rollback information a scenario scripts, and answers the
// three missing calls itself (lifecycle events from the scenario).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// CodeDeployState is what a scenario says a deployment looks like at one
// GetDeployment.
type CodeDeployState struct {
	Status    string
	Error     map[string]any   // errorInformation
	Rollback  map[string]any   // rollbackInfo
	Lifecycle []map[string]any // the ECS target's lifecycleEvents
}

// CodeDeployStop is one StopDeployment call the stand-in answered.
type CodeDeployStop struct {
	ID           string
	AutoRollback bool
}

// CodeDeployStandin is the stand-in's state; its methods are safe for
// concurrent use.
type CodeDeployStandin struct {
	URL      string // the endpoint to give every AWS client
	moto     string
	mu       sync.Mutex
	scenario func(id string, poll int) CodeDeployState // poll counts GetDeployment calls of id from 1
	polls    map[string]int
	state    map[string]CodeDeployState
	stops    []CodeDeployStop
	creates  []map[string]any // CreateDeployment bodies
	calls    map[string]int
}

// StartCodeDeployStandin starts the stand-in in front of a moto server for
// the test; scenario says what each deployment looks like at each poll.
func StartCodeDeployStandin(t testing.TB, m *Moto, scenario func(id string, poll int) CodeDeployState) *CodeDeployStandin {
	s := &CodeDeployStandin{moto: m.URL, scenario: scenario, polls: map[string]int{}, state: map[string]CodeDeployState{}, calls: map[string]int{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// ServeHTTP answers or forwards one call.
func (s *CodeDeployStandin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	action := ""
	if svc, op, ok := strings.Cut(target, "."); ok && svc == "CodeDeploy_20141006" {
		action = op
	}
	body, _ := io.ReadAll(r.Body)
	var in map[string]any
	_ = json.Unmarshal(body, &in)
	s.mu.Lock()
	s.calls[action]++
	s.mu.Unlock()
	reply := func(v any) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(v)
	}
	id, _ := in["deploymentId"].(string)
	switch action {
	case "StopDeployment":
		s.mu.Lock()
		auto, _ := in["autoRollbackEnabled"].(bool)
		s.stops = append(s.stops, CodeDeployStop{id, auto})
		st := s.state[id]
		st.Status = "Stopped"
		if auto {
			st.Rollback = map[string]any{"rollbackDeploymentId": "d-ROLLBACK1", "rollbackMessage": "Deployment was stopped and rolled back on request"}
		}
		s.state[id] = st
		s.mu.Unlock()
		reply(map[string]any{"status": "Pending", "statusMessage": "Stop of the deployment is in progress"})
		return
	case "ListDeploymentTargets":
		reply(map[string]any{"targetIds": []string{"prod:storefront"}})
		return
	case "GetDeploymentTarget":
		s.mu.Lock()
		st := s.state[id]
		s.mu.Unlock()
		reply(map[string]any{"deploymentTarget": map[string]any{"deploymentTargetType": "ECSTarget", "ecsTarget": map[string]any{
			"deploymentId": id, "targetId": "prod:storefront", "status": st.Status, "lifecycleEvents": st.Lifecycle}}})
		return
	case "CreateDeployment":
		s.mu.Lock()
		s.creates = append(s.creates, in)
		s.mu.Unlock()
	}
	// Everything else goes to moto: CodeDeploy's other calls, and every
	// other service.
	req, _ := http.NewRequest(r.Method, s.moto+r.URL.RequestURI(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	req.Host = r.Host // the signed Host: moto checks SigV4 when IAM is enforced
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), 502)
		return
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if action == "GetDeployment" && resp.StatusCode == 200 {
		out = s.overlay(id, out)
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(out)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(out)
}

// overlay fixes moto's timestamps and sets the scripted state.
func (s *CodeDeployStandin) overlay(id string, body []byte) []byte {
	var doc map[string]map[string]any
	if json.Unmarshal(body, &doc) != nil || doc["deploymentInfo"] == nil {
		return body
	}
	info := doc["deploymentInfo"]
	for _, k := range []string{"createTime", "startTime", "completeTime"} {
		if v, ok := info[k].(string); ok {
			if tm, err := time.Parse("2006-01-02T15:04:05.000Z", v); err == nil {
				info[k] = float64(tm.UnixMilli()) / 1000
			} else {
				delete(info, k)
			}
		} else {
			delete(info, k)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, stopped := s.state[id]
	if !stopped || st.Status != "Stopped" {
		s.polls[id]++
		st = s.scenario(id, s.polls[id])
		s.state[id] = st
	}
	info["status"] = st.Status
	delete(info, "errorInformation")
	delete(info, "rollbackInfo")
	if st.Error != nil {
		info["errorInformation"] = st.Error
	}
	if st.Rollback != nil {
		info["rollbackInfo"] = st.Rollback
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return out
}

// Count returns how many calls of a CodeDeploy action reached the stand-in.
func (s *CodeDeployStandin) Count(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

// Creates returns the bodies of the CreateDeployment calls, in order.
func (s *CodeDeployStandin) Creates() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.creates)
}

// Stops returns the StopDeployment calls, in order.
func (s *CodeDeployStandin) Stops() []CodeDeployStop {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.stops)
}

// LifecycleEvent is one lifecycle event of a CodeDeployState.
func LifecycleEvent(name, status string) map[string]any {
	return map[string]any{"lifecycleEventName": name, "status": status}
}

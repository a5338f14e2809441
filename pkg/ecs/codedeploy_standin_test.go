package ecs

// This file holds a stand-in for what moto 5.2.1 does not model of
// CodeDeploy, in front of moto for what it does. moto's codedeploy backend
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
	"strings"
	"sync"
	"testing"
	"time"
)

// cdState is what the scenario says a deployment looks like at one poll.
type cdState struct {
	Status    string
	Error     map[string]any   // errorInformation
	Rollback  map[string]any   // rollbackInfo
	Lifecycle []map[string]any // the ECS target's lifecycleEvents
}

type cdStop struct {
	ID           string
	AutoRollback bool
}

type cdStandin struct {
	moto     string
	mu       sync.Mutex
	scenario func(id string, poll int) cdState // poll counts GetDeployment calls of id from 1
	polls    map[string]int
	state    map[string]cdState
	stops    []cdStop
	creates  []map[string]any // CreateDeployment bodies
	calls    map[string]int
}

func startCodeDeployStandin(t *testing.T, moto string, scenario func(id string, poll int) cdState) (*cdStandin, string) {
	s := &cdStandin{moto: moto, scenario: scenario, polls: map[string]int{}, state: map[string]cdState{}, calls: map[string]int{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func (s *cdStandin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	action := target[strings.LastIndexByte(target, '.')+1:]
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
		s.stops = append(s.stops, cdStop{id, auto})
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
	// Everything else goes to moto.
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
func (s *cdStandin) overlay(id string, body []byte) []byte {
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

func (s *cdStandin) count(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

func event(name, status string) map[string]any {
	return map[string]any{"lifecycleEventName": name, "status": status}
}

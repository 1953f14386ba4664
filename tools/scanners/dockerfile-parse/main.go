// Command dockerfile-parse reads Dockerfiles with BuildKit's own Dockerfile frontend parser and
// prints, for each file named on the command line, one JSON line: its syntax directive, its
// instructions as BuildKit sees them (keyword, flags, arguments, heredocs), BuildKit's parse
// warnings and lint findings, and the error that stops a build, if any. One run reads many files,
// so a property test can check hundreds of rendered Dockerfiles with one process.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

type instruction struct {
	Keyword  string   `json:"keyword"`
	Flags    []string `json:"flags"`
	Args     []string `json:"args"`
	Heredocs []string `json:"heredocs"`
	// JSON: the arguments were written as a JSON array (exec form), not as shell text.
	JSON     bool   `json:"json"`
	Original string `json:"original"`
	Line     int    `json:"line"`
}

type report struct {
	File         string        `json:"file"`
	Syntax       string        `json:"syntax"`
	Instructions []instruction `json:"instructions"`
	Warnings     []string      `json:"warnings"`
	Lint         []string      `json:"lint"`
	Error        string        `json:"error"`
}

func read(file string) report {
	out := report{File: file, Instructions: []instruction{}, Warnings: []string{}, Lint: []string{}}
	content, err := os.ReadFile(file)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Syntax, _, _, _ = parser.DetectSyntax(content)
	result, err := parser.Parse(bytes.NewReader(content))
	if err != nil {
		out.Error = err.Error()
		return out
	}
	for _, warning := range result.Warnings {
		out.Warnings = append(out.Warnings, warning.Short)
	}
	for _, node := range result.AST.Children {
		step := instruction{Keyword: node.Value, Flags: node.Flags, Args: []string{}, Heredocs: []string{}, JSON: node.Attributes["json"], Original: node.Original, Line: node.StartLine}
		if step.Flags == nil {
			step.Flags = []string{}
		}
		for next := node.Next; next != nil; next = next.Next {
			step.Args = append(step.Args, next.Value)
		}
		for _, heredoc := range node.Heredocs {
			step.Heredocs = append(step.Heredocs, heredoc.Content)
		}
		out.Instructions = append(out.Instructions, step)
	}
	// The step a build takes next: every instruction checked against its grammar (flags, forms).
	lint := linter.New(&linter.Config{Warn: func(rule, description, url, message string, location []parser.Range) {
		out.Lint = append(out.Lint, rule+": "+message)
	}})
	if _, _, err := instructions.Parse(result.AST, lint); err != nil {
		out.Error = err.Error()
	}
	return out
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dockerfile-parse DOCKERFILE...")
		os.Exit(2)
	}
	encoder := json.NewEncoder(os.Stdout)
	for _, file := range os.Args[1:] {
		if err := encoder.Encode(read(file)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

package monitor

import "testing"

func TestScriptOf(t *testing.T) {
	const cwd = "/home/ann/proj"
	tests := []struct {
		argv   []string
		cwd    string
		script string
		inline bool
	}{
		{[]string{"python3", "app.py", "--port", "8000"}, cwd, "/home/ann/proj/app.py", false},
		{[]string{"/usr/bin/python3.12", "-u", "-X", "dev", "-W", "ignore", "../srv/./main.py"}, cwd, "/home/ann/srv/main.py", false},
		{[]string{"python", "-Wignore", "/opt/x.py"}, cwd, "/opt/x.py", false},
		{[]string{"python3", "-c", "import http.server"}, cwd, "", true},
		{[]string{"python3", "-uc", "print(1)"}, cwd, "", true},
		{[]string{"python3", "-m", "http.server", "8000"}, cwd, "", false},
		{[]string{"python3"}, cwd, "", false},
		{[]string{"python3", "-"}, cwd, "", false},
		{[]string{"python3", "--", "-odd.py"}, cwd, "/home/ann/proj/-odd.py", false},
		{[]string{"pypy3", "s.py"}, cwd, "/home/ann/proj/s.py", false},
		{[]string{"python3", "app.py"}, "", "", false}, // relative, no cwd
		{[]string{"python3", "/abs//app.py"}, "", "/abs/app.py", false},
		{[]string{"pythonista", "app.py"}, cwd, "", false}, // not an interpreter
		{[]string{"node", "server.js"}, cwd, "/home/ann/proj/server.js", false},
		{[]string{"node", "--inspect", "-r", "dotenv/config", "--max-old-space-size=512", "dist/index.js"}, cwd, "/home/ann/proj/dist/index.js", false},
		{[]string{"node", "--require=ts-node/register", "--import", "tsx", "a.ts"}, cwd, "/home/ann/proj/a.ts", false},
		{[]string{"node", "-e", "require('http').createServer().listen(8080)"}, cwd, "", true},
		{[]string{"nodejs", "--eval=1"}, cwd, "", true},
		{[]string{"node", "-p", "1"}, cwd, "", true},
		{[]string{"ruby", "-Ilib", "-r", "json", "bin/rails", "s"}, cwd, "/home/ann/proj/bin/rails", false},
		{[]string{"ruby3.1", "-e", "puts 1"}, cwd, "", true},
		{[]string{"perl", "-Mstrict", "-I", "lib", "-w", "srv.pl"}, cwd, "/home/ann/proj/srv.pl", false},
		{[]string{"perl", "-MIO::Socket", "-e", "1"}, cwd, "", true},
		{[]string{"perl", "-le", "print 1"}, cwd, "", true},
		{[]string{"php", "-S", "0.0.0.0:8000", "-t", "public"}, cwd, "", false},
		{[]string{"php8.2", "-S", "localhost:80", "router.php"}, cwd, "/home/ann/proj/router.php", false},
		{[]string{"php", "-d", "x=1", "-f", "index.php"}, cwd, "/home/ann/proj/index.php", false},
		{[]string{"php", "-r", "echo 1;"}, cwd, "", true},
		{[]string{"bash", "run.sh", "arg"}, cwd, "/home/ann/proj/run.sh", false},
		{[]string{"/bin/sh", "-c", "nc -l 4444"}, cwd, "", true},
		{[]string{"bash", "-ec", "x"}, cwd, "", true},
		{[]string{"bash", "-o", "pipefail", "+o", "xtrace", "--rcfile", "rc", "s.sh"}, cwd, "/home/ann/proj/s.sh", false},
		{[]string{"dash", "-s", "x"}, cwd, "", false},
		{[]string{"zsh", "-", "s.zsh"}, cwd, "/home/ann/proj/s.zsh", false},
		{[]string{"-bash"}, cwd, "", false}, // a login shell: no script
		{[]string{"java", "-Xmx1g", "-cp", "lib/*", "-jar", "app.jar", "--server.port=9"}, cwd, "/home/ann/proj/app.jar", false},
		{[]string{"java", "-cp", "x.jar", "com.example.Main"}, cwd, "", false},
		{[]string{"java", "-m", "mod/main"}, cwd, "", false},
		{[]string{"/usr/sbin/sshd", "-D"}, cwd, "", false},
		{nil, cwd, "", false},
	}
	for _, tt := range tests {
		script, inline := ScriptOf(tt.argv, tt.cwd)
		if script != tt.script || inline != tt.inline {
			t.Errorf("ScriptOf(%q, %q) = %q, %v; want %q, %v", tt.argv, tt.cwd, script, inline, tt.script, tt.inline)
		}
	}
}

func TestScriptOfNode(t *testing.T) {
	tests := []struct {
		argv   []string
		script string
		inline bool
	}{
		{[]string{"/usr/share/code/code", "/usr/share/code/resources/app/out/server.js", "--port=0"}, "/usr/share/code/resources/app/out/server.js", false},
		{[]string{"/opt/app/app", "--inspect", "main.js"}, "/tmp/main.js", false},
		{[]string{"/opt/app/app", "-e", "1"}, "", true},
	}
	for _, tt := range tests {
		script, inline := ScriptOfNode(tt.argv, "/tmp")
		if script != tt.script || inline != tt.inline {
			t.Errorf("ScriptOfNode(%q) = %q, %v; want %q, %v", tt.argv, script, inline, tt.script, tt.inline)
		}
	}
	// Without ELECTRON_RUN_AS_NODE the same program is no interpreter.
	if s, in := ScriptOf([]string{"/usr/share/code/code", "x.js"}, "/tmp"); s != "" || in {
		t.Errorf("ScriptOf(code x.js) = %q, %v; want nothing", s, in)
	}
}

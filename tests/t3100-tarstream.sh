#!/bin/bash
test_description='tarstream: a commit tree as a build context tar, against git archive'

. "$(dirname "$0")/lib.sh"

TZ=UTC
export TZ

# list a tar the same way for both sides: numeric owners, full times
tar_list() { tar --numeric-owner --full-time -tvf "$1"; }

long_name=$(printf 'n%.0s' $(seq 1 150))
long_dir=$(printf 'd%.0s' $(seq 1 60))/$(printf 'e%.0s' $(seq 1 60))

test_expect_success 'setup: a tree with every kind of entry' '
	git init -q src &&
	(
		cd src &&
		printf "FROM scratch\nCOPY . /\n" >Dockerfile &&
		printf "#!/bin/sh\necho run\n" >run.sh &&
		chmod +x run.sh &&
		echo target >target.txt &&
		ln -s target.txt link &&
		ln -s ../nowhere dangling &&
		: >empty &&
		echo long >"$long_name" &&
		mkdir -p "$long_dir" &&
		echo deep >"$long_dir/$long_name" &&
		echo accents >"h$(printf "\303\251")llo w$(printf "\303\266")rld.txt" &&
		mkdir -p "$(printf "\346\227\245\346\234\254")" &&
		echo kanji >"$(printf "\346\227\245\346\234\254")/$(printf "\350\252\236").txt" &&
		mkdir -p a/b/c &&
		echo nested >a/b/c/file &&
		seq 1 200000 >big.txt &&
		git add -A &&
		git update-index --add --cacheinfo \
			160000,1111111111111111111111111111111111111111,vendor/lib &&
		git commit -q -m "all kinds"
	)
'

test_expect_success 'listing matches git archive (names, modes, links, sizes, times)' '
	test-tool tarstream src HEAD --no-ignore >ours.tar 2>err &&
	git -C src -c tar.umask=022 archive --format=tar HEAD >git.tar &&
	tar_list ours.tar >ours.list &&
	tar_list git.tar | grep -v " vendor/lib/\$" >git.list &&
	test_cmp git.list ours.list
'

test_expect_success 'the submodule is skipped with a warning' '
	test_grep "skipping submodule .vendor/lib." err &&
	! grep "vendor/lib" ours.list &&
	grep " vendor/\$" ours.list
'

test_expect_success 'extracted trees are identical, byte for byte' '
	mkdir x-ours x-git &&
	tar -C x-ours -xf ours.tar &&
	tar -C x-git -xf git.tar &&
	rmdir x-git/vendor/lib &&
	diff -r --no-dereference x-git x-ours &&
	(cd x-git && find . -printf "%p %m %y %s %l\n" | sort) >git.find &&
	(cd x-ours && find . -printf "%p %m %y %s %l\n" | sort) >ours.find &&
	test_cmp git.find ours.find
'

test_expect_success 'the details: executable bit, symlink, long and non-ASCII paths' '
	grep "^-rwxr-xr-x 0/0 .* run.sh\$" ours.list &&
	grep "^-rw-r--r-- 0/0 .* target.txt\$" ours.list &&
	grep "^lrwxrwxrwx 0/0 .* link -> target.txt\$" ours.list &&
	grep "^drwxr-xr-x 0/0 .* a/b/\$" ours.list &&
	grep " 0 2023-11-14 22:13:20 empty\$" ours.list &&
	test_path_is_file "x-ours/$long_name" &&
	test_path_is_file "x-ours/$long_dir/$long_name" &&
	test_path_is_file "x-ours/$(printf "\346\227\245\346\234\254")/$(printf "\350\252\236").txt" &&
	test_cmp src/big.txt x-ours/big.txt
'

test_expect_success 'no user or group names, uid and gid 0' '
	tar -tvf ours.tar >names.list &&
	! grep -v "^[-dl][rwx-]* 0/0 " names.list
'

test_expect_success 'the same tree gives the same bytes' '
	test-tool tarstream src HEAD --no-ignore >again.tar 2>/dev/null &&
	cmp ours.tar again.tar &&
	git clone -q --bare src packed.git &&
	git -C packed.git gc -q --aggressive &&
	test-tool tarstream packed.git HEAD --no-ignore >packed.tar 2>/dev/null &&
	cmp ours.tar packed.tar
'

test_expect_success 'any read size gives the same bytes' '
	for c in 100 511 512 513 4096 65537 1000000; do
		TEST_TARSTREAM_CHUNK=$c test-tool tarstream src HEAD --no-ignore \
			>chunked.tar 2>/dev/null &&
		cmp ours.tar chunked.tar || return 1
	done
'

test_expect_success 'stats count files and bytes' '
	TEST_TARSTREAM_STATS=1 test-tool tarstream src HEAD --no-ignore \
		>/dev/null 2>err &&
	echo "files 12 bytes $(wc -c <ours.tar)" >expect &&
	grep "^files" err >actual &&
	test_cmp expect actual
'

test_expect_success 'a stream freed halfway leaves nothing behind' '
	TEST_TARSTREAM_STOP=70000 test-tool tarstream src HEAD --no-ignore \
		>part.tar 2>/dev/null &&
	test $(wc -c <part.tar) -ge 70000 &&
	test $(wc -c <part.tar) -lt $(wc -c <ours.tar)
'

test_expect_success 'any revision: a branch, a tag, a tree-ish commit id' '
	git -C src tag -a -m v1 v1 &&
	test-tool tarstream src v1 --no-ignore >tag.tar 2>/dev/null &&
	cmp ours.tar tag.tar &&
	test-tool tarstream src "$(git -C src rev-parse HEAD)" --no-ignore >id.tar 2>/dev/null &&
	cmp ours.tar id.tar
'

test_expect_success 'the Dockerfile path may start with ./' '
	test-tool tarstream src HEAD --no-ignore --dockerfile ./Dockerfile \
		>dot.tar 2>/dev/null &&
	cmp ours.tar dot.tar
'

test_expect_success 'a missing Dockerfile is a clear error' '
	short=$(git -C src rev-parse --short HEAD) &&
	test_must_fail test-tool tarstream src HEAD --dockerfile docker/Dockerfile >out 2>err &&
	echo "test-tool: no Dockerfile at '\''docker/Dockerfile'\'' in $short" >expect &&
	test_cmp expect err &&
	! test -s out &&
	test_must_fail test-tool tarstream src HEAD --dockerfile a/b >out 2>err &&
	test_grep "no Dockerfile at .a/b. in $short" err &&
	test_must_fail test-tool tarstream src HEAD --dockerfile ../Dockerfile 2>err &&
	test_grep "bad Dockerfile path" err &&
	test_must_fail test-tool tarstream src no-such-rev 2>err &&
	test_grep "unknown revision .no-such-rev." err &&
	test_must_fail test-tool tarstream src "HEAD^{tree}" 2>err &&
	test_grep "is not a commit" err
'

test_expect_success 'setup: a tree with a .dockerignore' '
	git init -q ign &&
	(
		cd ign &&
		cat >.dockerignore <<-\EOT &&
		# build outputs
		**/*.log
		!keep/*.log
		/build
		docs/
		!docs/README.md
		*.tmp
		Dockerfile
		.dockerignore
		  secret.txt
		EOT
		echo FROM scratch >Dockerfile &&
		mkdir -p x/y keep build/sub docs src sub &&
		for f in a.log x/y/z.log keep/k.log build/out.o build/sub/x \
			docs/README.md docs/other.md top.tmp sub/not.tmp \
			src/main.c secret.txt x/keep.c; do
			echo "$f" >"$f" || exit 1
		done &&
		git add -A &&
		git commit -q -m ignore
	)
'

test_expect_success '.dockerignore is honoured with Docker rules' '
	test-tool tarstream ign HEAD >ign.tar &&
	tar -tf ign.tar >actual &&
	cat >expect <<-\EOT &&
	.dockerignore
	Dockerfile
	docs/README.md
	keep/
	keep/k.log
	src/
	src/main.c
	sub/
	sub/not.tmp
	x/
	x/keep.c
	x/y/
	EOT
	test_cmp expect actual
'

test_expect_success 'test-tool dockerignore agrees with the stream' '
	test-tool dockerignore ign/.dockerignore a.log x/y/z.log keep/k.log \
		build/out.o docs/README.md docs/other.md top.tmp sub/not.tmp \
		secret.txt Dockerfile .dockerignore >actual &&
	cat >expect <<-\EOT &&
	skip a.log
	skip x/y/z.log
	send keep/k.log
	skip build/out.o
	send docs/README.md
	skip docs/other.md
	skip top.tmp
	send sub/not.tmp
	skip secret.txt
	send Dockerfile
	send .dockerignore
	EOT
	test_cmp expect actual
'

test_expect_success 'byte-sized reads give the same bytes' '
	for c in 1 7; do
		TEST_TARSTREAM_CHUNK=$c test-tool tarstream ign HEAD >tiny.tar &&
		cmp ign.tar tiny.tar || return 1
	done
'

test_expect_success '--no-ignore sends everything' '
	test-tool tarstream ign HEAD --no-ignore | tar -tf - >actual &&
	test_grep "^build/sub/x\$" actual &&
	test_grep "^a.log\$" actual &&
	test_line_count = 22 actual
'

test_expect_success 'a Dockerfile elsewhere is kept, and its own ignore file wins' '
	(
		cd ign &&
		mkdir -p deploy &&
		echo FROM scratch >deploy/Dockerfile &&
		printf "deploy\nsrc\n" >deploy/Dockerfile.dockerignore &&
		git add -A &&
		git commit -q -m deploy
	) &&
	test-tool tarstream ign HEAD --dockerfile deploy/Dockerfile >d.tar &&
	tar -tf d.tar >actual &&
	test_grep "^deploy/Dockerfile\$" actual &&
	test_grep "^.dockerignore\$" actual &&
	test_grep "^a.log\$" actual &&
	test_grep -v "^src/" actual &&
	test_grep -v "^deploy/Dockerfile.dockerignore" actual &&
	test_grep -v "^deploy/\$" actual
'

test_expect_success 'a malformed .dockerignore names the file and line' '
	(
		cd ign &&
		printf "ok\n[a-\n" >.dockerignore &&
		git commit -q -a -m bad
	) &&
	test_must_fail test-tool tarstream ign HEAD >out 2>err &&
	echo "test-tool: '\''.dockerignore'\'' line 2: syntax error in pattern '\''[a-'\''" >expect &&
	test_cmp expect err
'

test_expect_success 'a .dockerignore that is not a regular file is refused' '
	git init -q symign &&
	(
		cd symign &&
		echo FROM scratch >Dockerfile &&
		echo "*.log" >ignore-rules &&
		ln -s ignore-rules .dockerignore &&
		git add -A &&
		git commit -q -m sym
	) &&
	short=$(git -C symign rev-parse --short HEAD) &&
	test_must_fail test-tool tarstream symign HEAD >out 2>err &&
	echo "test-tool: '\''.dockerignore'\'' in $short is not a regular file" >expect &&
	test_cmp expect err &&
	test-tool tarstream symign HEAD --no-ignore | tar -tf - >actual &&
	test_grep "^.dockerignore\$" actual
'

test_expect_success 'an oversized .dockerignore is refused before it is read' '
	(
		cd ign &&
		seq 1 300000 >.dockerignore &&
		git commit -q -a -m big
	) &&
	test_must_fail test-tool tarstream ign HEAD >out 2>err &&
	test_grep "larger than 1048576 bytes" err
'

test_done

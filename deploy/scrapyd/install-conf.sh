#!/bin/sh
# Installs deploy/scrapyd/scrapyd.conf as /etc/scrapyd/scrapyd.conf, readable by scrapyd's service
# user only: owner root, group newscrawl (scrapyd.service runs as User=/Group=newscrawl), mode 0640,
# for it holds scrapyd's password. A new file gets a random password in place of `change-me`; a
# file already there keeps its contents (its password too), and only its owner and mode are set.
#
#   sudo sh deploy/scrapyd/install-conf.sh [--dest /etc/scrapyd] [--group newscrawl]
set -eu
dest=/etc/scrapyd
group=newscrawl
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) dest=$2; shift 2 ;;
    --group) group=$2; shift 2 ;;
    *) echo "usage: $0 [--dest DIR] [--group GROUP]" >&2; exit 2 ;;
  esac
done
source_conf="$(dirname "$0")/scrapyd.conf"
target="$dest/scrapyd.conf"
umask 077  # nothing made here is readable by others, even for a moment
install -d -m 0755 "$dest"
if [ -e "$target" ]; then
  echo "$target is there: its contents (and password) kept; owner root:$group, mode 0640"
else
  password=$(tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 32)
  draft=$(mktemp "$dest/.scrapyd.conf.XXXXXX")
  sed "s/^password\( *\)= *change-me\$/password\1= $password/" "$source_conf" > "$draft"
  if ! grep -q "^password *= *$password\$" "$draft"; then
    rm -f "$draft"
    echo "no 'password = change-me' line in $source_conf to replace" >&2
    exit 1
  fi
  install -m 0640 -o root -g "$group" "$draft" "$target"
  rm -f "$draft"
  echo "installed $target with a new password (read it with: sudo grep ^password $target)"
fi
chown "root:$group" "$target"
chmod 0640 "$target"

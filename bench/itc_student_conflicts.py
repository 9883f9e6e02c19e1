#!/usr/bin/env python3
"""For each student with conflicts in an ITC 2019 solution, could that student alone do
better with the timetable as it is? Tries every choice of classes for all of the
student's courses (capacities ignored) and reports the fewest conflicts possible.

    python3 bench/itc_student_conflicts.py PROBLEM.xml SOLUTION.xml

When every conflict is reducible by the student alone, what stops the solver is full
sections (capacities), not the class times.
"""
import itertools
import sys
import xml.etree.ElementTree as ET
P=ET.parse(sys.argv[1]).getroot(); S=ET.parse(sys.argv[2]).getroot()
travel={}
for r in P.iter('room'):
    if r.get('id') is None: continue
    for t in r.findall('travel'):
        a,b,v=r.get('id'),t.get('room'),int(t.get('value')); travel[(a,b)]=v; travel[(b,a)]=v
courses={}; cls_parent={}
for c in P.find('courses'):
    cfgs=[]
    for cfg in c.findall('config'):
        sps=[]
        for sp in cfg.findall('subpart'):
            ids=[k.get('id') for k in sp.findall('class')]
            for k in sp.findall('class'): cls_parent[k.get('id')]=k.get('parent')
            sps.append(ids)
        cfgs.append(sps)
    courses[c.get('id')]=cfgs
sol={}; enrolled={}
for k in S.findall('class'):
    sol[k.get('id')]=(int(k.get('days'),2),int(k.get('start')),int(k.get('weeks'),2),k.get('room'))
    for s in k.findall('student'): enrolled.setdefault(s.get('id'),[]).append(k.get('id'))
lens={}
for k in P.iter('class'):
    t=k.find('time')
    if t is not None: lens[k.get('id')]=int(t.get('length'))
def clash(a,b):
    da,sa,wa,ra=sol[a]; db,sb,wb,rb=sol[b]
    if da&db==0 or wa&wb==0: return False
    tr=travel.get((ra,rb),0) if ra and rb else 0
    return sa+lens[a]+tr>sb and sb+lens[b]+tr>sa
def conflicts(cl): return sum(1 for a,b in itertools.combinations(cl,2) if clash(a,b))
tot=0; avoid=0; better=0
for st in P.find('students'):
    sid=st.get('id'); cl=enrolled.get(sid,[])
    n=conflicts(cl)
    if n==0: continue
    tot+=n
    # enumerate options per course
    opts=[]
    for c in st.findall('course'):
        co=[]
        for sps in courses[c.get('id')]:
            def rec(i,ch):
                if i==len(sps): co.append(list(ch)); return
                for k in sps[i]:
                    p=cls_parent[k]
                    if p and p not in ch: continue
                    ch.append(k); rec(i+1,ch); ch.pop()
            rec(0,[])
        opts.append(co)
    best=[n]
    def dfs(i,ch,cost):
        if cost>=best[0]: return
        if i==len(opts): best[0]=cost; return
        for o in sorted(opts[i], key=lambda o: sum(clash(a,b) for a in o for b in ch)+conflicts(o)):
            add=sum(clash(a,b) for a in o for b in ch)+conflicts(o)
            dfs(i+1,ch+o,cost+add)
    dfs(0,[],0)
    if best[0]<n: better+=n-best[0]
    print(sid,'conf',n,'best alone',best[0],'options',[len(o) for o in opts])
print('total',tot,'reducible by student alone',better)

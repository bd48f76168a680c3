(function(){
"use strict";
var dialog=document.getElementById("detail"),body=document.getElementById("detail-body");
function show(mark){
  body.replaceChildren();
  mark.getAttribute("data-p").split(" ").forEach(function(n){
    var t=document.getElementById("t-"+n);
    if(t){var box=document.createElement("div");box.className="passage";box.appendChild(t.content.cloneNode(true));body.appendChild(box);}
  });
  if(!dialog.open){dialog.showModal();}
}
// A link to a document or passage unfolds its section (folded in large reports) and opens its text.
function reveal(hash){
  if(!hash||hash.charAt(0)!=="#"){return null;}
  var dest=document.getElementById(hash.slice(1));
  if(!dest){return null;}
  var section=dest.closest("section.doc");
  if(section){
    section.classList.remove("folded","nomatch");
    var d=dest.closest("details")||(dest.matches("h2")?section.querySelector("details"):null);
    if(d){d.open=true;}
  }
  return dest;
}
document.addEventListener("click",function(ev){
  var mark=ev.target.closest("mark.p");
  if(mark){show(mark);return;}
  var link=ev.target.closest("a[href^='#'], svg a");
  if(!link){return;}
  var hash=link.getAttribute("href");
  var jump=ev.target.closest("#detail a.jump");
  if(jump){dialog.close();}
  var dest=reveal(hash);
  if(jump&&dest&&dest.matches("mark.p")){
    dest.classList.remove("flash");void dest.offsetWidth;dest.classList.add("flash");
  }
});
if(location.hash){var first=reveal(location.hash);if(first){first.scrollIntoView();}}
window.addEventListener("hashchange",function(){reveal(location.hash);});
// The filter: every group, table row and document section whose names hold the words typed.
var filter=document.getElementById("filter"),count=document.getElementById("filter-count");
if(filter){
  var items=document.querySelectorAll("[data-search]"),rows=document.querySelectorAll("#doctable tbody tr");
  var total=rows.length;
  filter.addEventListener("input",function(){
    var words=filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    document.body.classList.toggle("filtering",words.length>0);
    items.forEach(function(el){
      var text=el.getAttribute("data-search");
      el.classList.toggle("nomatch",!words.every(function(w){return text.indexOf(w)>=0;}));
    });
    var shown=0;rows.forEach(function(r){if(!r.classList.contains("nomatch")){shown++;}});
    count.textContent=words.length?shown+" of "+total+" documents":total+" document"+(total===1?"":"s");
  });
}
[["showrows","doctable"],["showgroups","groups"]].forEach(function(ids){
  var button=document.getElementById(ids[0]);
  if(button){button.addEventListener("click",function(){document.getElementById(ids[1]).classList.add("all");button.parentNode.remove();});}
});
var showTexts=document.getElementById("showtexts");
if(showTexts){showTexts.addEventListener("click",function(){document.querySelectorAll("section.doc.folded").forEach(function(s){s.classList.remove("folded");});showTexts.parentNode.remove();});}
document.addEventListener("keydown",function(ev){
  if((ev.key==="Enter"||ev.key===" ")&&ev.target.matches&&ev.target.matches("mark.p")){ev.preventDefault();show(ev.target);}
});
// Side by side: scrolling one text scrolls its counterpart to the same share.
var syncing=false;
document.addEventListener("scroll",function(ev){
  var t=ev.target;
  if(syncing||!t.classList||!t.classList.contains("ptext")){return;}
  var pair=t.closest(".pair");if(!pair){return;}
  syncing=true;
  var share=t.scrollTop/Math.max(1,t.scrollHeight-t.clientHeight);
  pair.querySelectorAll(".ptext").forEach(function(o){if(o!==t){o.scrollTop=share*(o.scrollHeight-o.clientHeight);}});
  requestAnimationFrame(function(){syncing=false;});
},true);
var table=document.getElementById("doctable");
if(table){
  table.querySelectorAll("th").forEach(function(th,col){
    th.querySelector("button").addEventListener("click",function(){
      var asc=th.getAttribute("aria-sort")!=="ascending",num=th.getAttribute("data-type")==="num";
      table.querySelectorAll("th").forEach(function(o){o.setAttribute("aria-sort","none");});
      th.setAttribute("aria-sort",asc?"ascending":"descending");
      var tbody=table.tBodies[0],rows=Array.prototype.slice.call(tbody.rows);
      rows.sort(function(a,b){
        var x=a.cells[col].getAttribute("data-v"),y=b.cells[col].getAttribute("data-v");
        var c=num?parseFloat(x)-parseFloat(y):x.localeCompare(y);
        return asc?c:-c;
      });
      rows.forEach(function(r){tbody.appendChild(r);});
    });
  });
}
})();

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
document.addEventListener("click",function(ev){
  var mark=ev.target.closest("mark.p");
  if(mark){show(mark);return;}
  var jump=ev.target.closest("#detail a.jump");
  if(jump){
    dialog.close();
    var dest=document.querySelector(jump.getAttribute("href"));
    if(dest&&dest.matches("mark.p")){
      var d=dest.closest("details");if(d){d.open=true;}
      dest.classList.remove("flash");void dest.offsetWidth;dest.classList.add("flash");
    }
  }
});
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
